using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Tickets;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Tickets;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Common;

/// <summary>
/// Searches find text ignoring case in every script on SQLite, as SQL Server's collation does: SQLite's LIKE folds A–Z
/// only, so "åström" did not find "ÅSTRÖM". A text of ASCII only keeps SQLite's own LIKE.
/// </summary>
public sealed class TextSearchTests : IAsyncLifetime
{
    private readonly PortalFixture _f = new();

    public Task InitializeAsync() => _f.InitializeAsync();
    public async Task DisposeAsync() => await _f.DisposeAsync();

    private Task<RequestPage> Requests(string search) =>
        _f.As(Carol, sp => sp.GetRequiredService<LockboxQueries>().ListAsync(new RequestListQuery { Search = search }));

    [Fact]
    public async Task Requests_are_found_by_an_engineers_name_or_justification_in_any_case()
    {
        var ticket = await _f.OpenTicketAsync(Uma);
        var jorg = Mia with { Name = "JÖRG ÅSTRÖM" };
        var filed = await _f.FileAsync(jorg, Scenario.Request(ticket.Number) with { Justification = "Größe des Clusters prüfen: 50%É belegt." });
        var other = await _f.PendingContosoRequestAsync(); // Mia Chen, an ASCII justification

        foreach (var search in new[] { "jörg åström", "Åström", "ÅSTRÖM", "größe des", "GRÖSSE".Replace("SS", "ß"), "50%é", "50%É" })
            Assert.Equal([filed.Id], (await Requests(search)).Items.Select(r => r.Id));
        // An accent is part of the letter, and % in the text is the character, not a wildcard.
        Assert.Empty((await Requests("astrom")).Items);
        Assert.Empty((await Requests("50xé")).Items);
        Assert.Empty((await Requests("5%é")).Items);
        // ASCII text as before: both requests are on the same resource group, only one was filed under "Mia Chen".
        Assert.Equal(2, (await Requests("RESOURCEGROUPS")).TotalCount);
        Assert.Equal([other.Id], (await Requests("mia CHEN")).Items.Select(r => r.Id));
    }

    [Fact]
    public async Task Tickets_and_audit_actors_are_found_in_any_case()
    {
        var ticket = await _f.As(Uma, sp => sp.GetRequiredService<TicketService>().OpenAsync(new OpenTicketCommand(
            "ÜBERLAUF im Speicher", "Der Knoten läuft voll.", TicketSeverity.B, "Azure Red Hat OpenShift", null, "Microsoft")));
        await _f.OpenTicketAsync(Uma);
        var found = await _f.As(Carol, sp => sp.GetRequiredService<TicketService>().ListAsync(new TicketListQuery { Search = "überlauf" }));
        Assert.Equal([ticket.Id], found.Items.Select(t => t.Id));

        var asa = Carol with { Name = "ÅSA LINDQVIST" };
        var r = await _f.PendingContosoRequestAsync();
        await _f.As(asa, sp => sp.GetRequiredService<LockboxCommands>().ApproveAsync(r.Id, new ApproveCommand()));
        var entries = await _f.As(Carol, sp => sp.GetRequiredService<AuditService>().ListAsync(new AuditQuery { Actor = "åsa lind" }));
        Assert.NotEmpty(entries.Items);
        Assert.All(entries.Items, e => Assert.Equal("ÅSA LINDQVIST", e.Actor));
    }

    [Fact]
    public async Task Only_text_outside_ASCII_leaves_SQLites_own_LIKE()
    {
        Task<string> Sql(string text) => _f.Db(db => Task.FromResult(db.AuditEntries
            .Where(TextSearch.Containing<AuditEntry>(db, text, null, e => e.Actor)).ToQueryString()));

        var ascii = await Sql("carol");
        Assert.DoesNotContain("lockbox_like", ascii);
        Assert.Contains("LIKE", ascii);
        // On SQLite only: SQL Server's LIKE already ignores case in every script.
        var sqlite = await _f.Db(db => Task.FromResult(db.LikeFoldsOnlyAscii));
        var other = await Sql("åsa");
        Assert.Equal(sqlite, other.Contains("lockbox_like"));
        Assert.Contains("LIKE", other.Replace("lockbox_like", "")); // SQLite's own LIKE narrows the rows first
    }
}
