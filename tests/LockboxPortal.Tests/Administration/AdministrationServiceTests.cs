using LockboxPortal.Application.Administration;
using LockboxPortal.Application.Common;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.Notifications;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Administration;

public sealed class AdministrationServiceTests : IAsyncLifetime
{
    private readonly PortalFixture _f = new();

    public Task InitializeAsync() => _f.InitializeAsync();
    public async Task DisposeAsync() => await _f.DisposeAsync();

    private Task<T> Admin<T>(DemoPersona? who, Func<AdministrationService, Task<T>> call) =>
        _f.As(who, sp => call(sp.GetRequiredService<AdministrationService>()));

    [Fact]
    public async Task A_global_administrator_switches_lockbox_off_and_it_is_recorded_who_and_when()
    {
        var before = await Admin(Carol, s => s.GetSettingsAsync());
        Assert.True(before.LockboxEnabled);
        _f.Time.Advance(TimeSpan.FromMinutes(5));

        var after = await Admin(Carol, s => s.SetLockboxEnabledAsync(false, before.Version));

        Assert.False(after.LockboxEnabled);
        Assert.Equal("Carol Diaz", after.ChangedByName);
        Assert.Equal(PortalFixture.Start.AddMinutes(5), after.ChangedAt);
        Assert.NotEqual(before.Version, after.Version);
        Assert.Equal(1, await _f.Db(db => db.AuditEntries.CountAsync(e => e.Action == AuditActions.LockboxSwitched && e.TenantId == ContosoTenant)));
        var mail = await _f.Db(db => db.OutboxMessages.SingleAsync(m => m.Kind == OutboxKinds.LockboxSwitched));
        Assert.Equal("carol.diaz@contoso.com", mail.To);
        Assert.True(await _f.Db(db => db.Tenants.Where(t => t.Id == FabrikamTenant).Select(t => t.LockboxEnabled).SingleAsync()));
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("uma")]
    [InlineData("mia")]
    public async Task Anyone_but_a_global_administrator_is_forbidden(string persona)
    {
        var version = (await Admin(Carol, s => s.GetSettingsAsync())).Version;
        var who = Find(persona)!;
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => Admin(who, s => s.GetSettingsAsync()));
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => Admin(who, s => s.SetLockboxEnabledAsync(false, version)));
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => Admin(who, s => s.SetAlternateEmailsAsync(["x@contoso.com"], version)));
        Assert.True((await Admin(Carol, s => s.GetSettingsAsync())).LockboxEnabled);
    }

    [Fact]
    public async Task A_global_administrator_only_ever_changes_their_own_tenant()
    {
        var fabrikam = await Admin(Frank, s => s.GetSettingsAsync());
        Assert.Equal(FabrikamTenant, fabrikam.TenantId);
        await Admin(Frank, s => s.SetLockboxEnabledAsync(false, fabrikam.Version));
        Assert.True((await Admin(Carol, s => s.GetSettingsAsync())).LockboxEnabled);
    }

    [Fact]
    public async Task An_edit_from_a_stale_page_is_a_conflict_and_changes_nothing()
    {
        var stale = await Admin(Carol, s => s.GetSettingsAsync());
        await Admin(Carol, s => s.SetAlternateEmailsAsync(["secops@contoso.com"], stale.Version));

        var ex = await Assert.ThrowsAsync<ConflictException>(() => Admin(Carol, s => s.SetLockboxEnabledAsync(false, stale.Version)));
        Assert.Contains("reload", ex.Message);
        Assert.True((await Admin(Carol, s => s.GetSettingsAsync())).LockboxEnabled);
    }

    [Theory]
    [InlineData("not-an-address")]
    [InlineData("a@b")]
    [InlineData("x@contoso.com\r\nBcc: evil@example.com")]
    [InlineData("Evil <evil@example.com>")]
    [InlineData("two@contoso.com,three@contoso.com")]
    public async Task Invalid_alternate_addresses_are_refused_and_nothing_is_saved(string address)
    {
        var s0 = await Admin(Carol, s => s.GetSettingsAsync());
        var ex = await Assert.ThrowsAsync<InputValidationException>(() => Admin(Carol, s => s.SetAlternateEmailsAsync(["ok@contoso.com", address], s0.Version)));
        Assert.Contains("AlternateEmails", ex.Errors.Keys);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.Empty((await Admin(Carol, s => s.GetSettingsAsync())).AlternateEmails);
    }

    [Fact]
    public async Task Alternate_addresses_are_deduplicated_and_receive_new_request_emails()
    {
        var s0 = await Admin(Carol, s => s.GetSettingsAsync());
        var saved = await Admin(Carol, s => s.SetAlternateEmailsAsync(["secops@contoso.com", " SecOps@contoso.com ", "", "audit@contoso.com"], s0.Version));
        Assert.Equal(["secops@contoso.com", "audit@contoso.com"], saved.AlternateEmails);

        var r = await _f.PendingContosoRequestAsync();
        var mail = await _f.Db(db => db.OutboxMessages.SingleAsync(m => m.AccessRequestId == r.Id && m.Kind == OutboxKinds.RequestFiled));
        Assert.Equal(["adam.price@contoso.com", "audit@contoso.com", "carol.diaz@contoso.com", "secops@contoso.com"], mail.Recipients);
    }
}
