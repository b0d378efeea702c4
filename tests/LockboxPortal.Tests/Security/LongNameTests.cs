using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Security;
using LockboxPortal.Application.Users;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Security;

/// <summary>
/// Entra ID allows display names of 256 characters; the portal's columns for a person's name hold 200, which SQL Server
/// enforces. The suite's <see cref="ColumnLengthGuard"/> holds SQLite to the same sizes, so these fail where SQL Server would.
/// </summary>
public sealed class LongNameTests : IAsyncLifetime
{
    private readonly PortalFixture _f = new();

    public Task InitializeAsync() => _f.InitializeAsync();
    public async Task DisposeAsync() => await _f.DisposeAsync();

    [Fact]
    public async Task Users_with_256_character_names_sign_in_open_file_and_approve_under_their_names_cut_to_200()
    {
        var uma = Uma with { Name = "Uma " + new string('U', 252) };
        var mia = Mia with { Name = "Mia " + new string('M', 252) };
        var carol = Carol with { Name = "Carol " + new string('C', 250) };
        foreach (var who in new[] { uma, mia, carol })
            await _f.As(who, sp => sp.GetRequiredService<UserProfileService>().RecordSignInAsync(Principal(who)));

        var ticket = await _f.OpenTicketAsync(uma);
        var filed = await _f.FileAsync(mia, Scenario.Request(ticket.Number));
        var approved = await _f.Lockbox(carol, s => s.ApproveAsync(filed.Id, new ApproveCommand()));

        var cut = (DemoPersona p) => p.Name[..(PortalUser.NameMaxLength - 1)] + "…";
        Assert.Equal(cut(mia), approved.EngineerName);
        Assert.Equal(cut(carol), approved.DecidedByName);
        var stored = await _f.Db(async db => (
            Ticket: await db.SupportTickets.AsNoTracking().SingleAsync(t => t.Id == ticket.Id),
            Profile: await db.UserProfiles.AsNoTracking().SingleAsync(u => u.Oid == carol.Oid),
            Actors: await db.AuditEntries.AsNoTracking().Where(e => e.Target == $"access-request/{filed.Id}").Select(e => e.Actor).ToListAsync()));
        Assert.Equal(cut(uma), stored.Ticket.OpenedByName);
        Assert.Equal(cut(carol), stored.Profile.DisplayName);
        Assert.Contains(cut(carol), stored.Actors);
        Assert.All(stored.Actors, a => Assert.True(a.Length <= PortalUser.NameMaxLength));
        foreach (var result in await _f.Services.GetRequiredService<AuditVerifier>().VerifyAllAsync())
            Assert.True(result.Intact, $"{result.ChainName}: {result.Summary}");
    }

    [Fact]
    public async Task The_suites_guard_refuses_a_save_that_SQL_Server_would_refuse_and_nothing_is_saved()
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => _f.Db(async db =>
        {
            var profile = await db.UserProfiles.SingleAsync(u => u.Oid == Carol.Oid);
            profile.DisplayName = new string('x', PortalUser.NameMaxLength + 1);
            return await db.SaveChangesAsync();
        }));
        Assert.Contains("UserProfile.DisplayName holds 201 characters; its column holds 200", ex.Message);
        var stored = await _f.Db(db => db.UserProfiles.AsNoTracking().SingleAsync(u => u.Oid == Carol.Oid));
        Assert.Equal(Carol.Name, stored.DisplayName);
    }
}
