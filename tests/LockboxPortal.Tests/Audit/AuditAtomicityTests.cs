using System.Data.Common;
using LockboxPortal.Application.Administration;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Infrastructure.Persistence;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Audit;

/// <summary>Fails the audit append — after the state change has reached the database — when armed.</summary>
internal sealed class FailingAuditAppend : DbCommandInterceptor
{
    public volatile bool Armed;

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (Armed && command.CommandText.Contains("\"AuditChainHeads\"", StringComparison.Ordinal))
            throw new InvalidOperationException("Injected fault: the audit log is unavailable.");
        return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
    }
}

public sealed class AuditAtomicityTests : IAsyncLifetime
{
    private readonly FailingAuditAppend _fault = new();
    private readonly PortalFixture _f;

    public AuditAtomicityTests()
    {
        _f = new PortalFixture(services: s => s.ConfigureDbContext<LockboxDbContext>(o => o.AddInterceptors(_fault)));
    }

    public Task InitializeAsync() => _f.InitializeAsync();
    public async Task DisposeAsync() => await _f.DisposeAsync();

    private Task<(long Entries, long Head)> ChainAsync() => _f.Db(async db =>
        ((long)await db.AuditEntries.CountAsync(), await db.AuditChainHeads.SumAsync(h => h.Sequence)));

    [Fact]
    public async Task Approval_whose_audit_entry_fails_is_rolled_back_with_it()
    {
        var r = await _f.PendingContosoRequestAsync();
        var before = await ChainAsync();
        var outbox = await _f.Db(db => db.OutboxMessages.CountAsync());

        _fault.Armed = true;
        await Assert.ThrowsAsync<InvalidOperationException>(() => _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand())));
        _fault.Armed = false;

        var stored = await _f.Db(db => db.AccessRequests.AsNoTracking().SingleAsync(x => x.Id == r.Id));
        Assert.Equal(AccessRequestStatus.CustomerNotified, stored.Status);
        Assert.Null(stored.DecidedAt);
        Assert.Equal(before, await ChainAsync());
        Assert.False(await _f.Db(db => db.AccessGrants.AnyAsync()));
        Assert.Equal(outbox, await _f.Db(db => db.OutboxMessages.CountAsync()));

        // And once the audit log is back the same approval goes through, on the record.
        await _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand()));
        Assert.True((await ChainAsync()).Entries > before.Entries);
    }

    [Fact]
    public async Task Lockbox_switch_whose_audit_entry_fails_is_rolled_back_with_it()
    {
        var settings = await _f.As(Carol, sp => sp.GetRequiredService<AdministrationService>().GetSettingsAsync());
        var before = await ChainAsync();

        _fault.Armed = true;
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            _f.As(Carol, sp => sp.GetRequiredService<AdministrationService>().SetLockboxEnabledAsync(!settings.LockboxEnabled, settings.Version)));
        _fault.Armed = false;

        Assert.Equal(settings.LockboxEnabled, await _f.Db(db => db.Tenants.Where(t => t.Id == ContosoTenant).Select(t => t.LockboxEnabled).SingleAsync()));
        Assert.Equal(before, await ChainAsync());
    }

    [Fact]
    public async Task Filing_whose_audit_entry_fails_leaves_no_request()
    {
        var ticket = await _f.OpenTicketAsync(Uma);
        var before = await ChainAsync();

        _fault.Armed = true;
        await Assert.ThrowsAsync<InvalidOperationException>(() => _f.FileAsync(Mia, Scenario.Request(ticket.Number)));
        _fault.Armed = false;

        Assert.False(await _f.Db(db => db.AccessRequests.AnyAsync()));
        Assert.Equal(before, await ChainAsync());
    }
}
