using System.Text.RegularExpressions;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.Integrations;
using LockboxPortal.Domain.Notifications;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Lockbox;

/// <summary>
/// What a decision does while it holds the database's one writer (SQLite has one; every approver queues behind it): the
/// reads that do not depend on the write happen before it, and the tenant's webhook endpoints are read once per write
/// transaction, not once per audit entry. Read from the statements EF logs between beginning and committing.
/// </summary>
public sealed class DecisionWriteTransactionTests : IAsyncLifetime
{
    private readonly PortalFixture _f = new();

    public Task InitializeAsync() => _f.InitializeAsync();
    public async Task DisposeAsync() => await _f.DisposeAsync();

    /// <summary>The SQL of each command executed inside the last committed transaction, in order.</summary>
    private List<string> StatementsOfLastTransaction()
    {
        var lines = _f.Logs.Lines.ToList();
        var begin = lines.FindLastIndex(l => l.Contains("Microsoft.EntityFrameworkCore.Database.Transaction: Beginning transaction", StringComparison.Ordinal));
        var commit = lines.FindLastIndex(l => l.Contains("Microsoft.EntityFrameworkCore.Database.Transaction: Committed transaction", StringComparison.Ordinal));
        Assert.True(begin >= 0 && commit > begin, "EF logged no committed transaction (are Debug logs captured?)");
        return lines.Skip(begin + 1).Take(commit - begin - 1)
            .Where(l => l.Contains("Microsoft.EntityFrameworkCore.Database.Command: Executed DbCommand", StringComparison.Ordinal))
            .ToList();
    }

    private async Task SubscribeAsync(params string[] actions) =>
        await _f.Db(async db =>
        {
            db.WebhookEndpoints.Add(new WebhookEndpoint
            {
                Id = Guid.NewGuid(), TenantId = ContosoTenant, Url = "https://siem.contoso.test/hook",
                Events = WebhookEndpoint.FormatEvents(actions), ProtectedSecret = "protected", CreatedAt = _f.Time.GetUtcNow(),
                CreatedBy = Carol.Name, SecretRotatedAt = _f.Time.GetUtcNow(),
            });
            return await db.SaveChangesAsync();
        });

    [Fact]
    public async Task An_approval_reads_neither_the_opener_nor_their_profile_inside_its_write_transaction_and_the_endpoints_once()
    {
        await SubscribeAsync(AuditActions.RequestApproved);
        var r = await _f.PendingContosoRequestAsync();
        _f.Logs.Lines.Clear();

        await _f.Lockbox(Adam, s => s.ApproveAsync(r.Id, new ApproveCommand()));

        // Table names as both providers quote them ("x" on SQLite, [x] on SQL Server).
        var sql = string.Join('\n', StatementsOfLastTransaction());
        int Count(string pattern) => Regex.Matches(sql, pattern).Count;
        Assert.Equal(1, Count(@"UPDATE [\s\S]*?\W(AccessRequests)\W"));
        Assert.Equal(0, Count(@"\WSupportTickets\W"));
        Assert.Equal(0, Count(@"\WUserProfiles\W"));
        // Two audit entries (the approval and its grant), one read of the tenant's endpoints.
        Assert.Equal(2, Count(@"INSERT INTO \W?AuditEntries\W"));
        Assert.Equal(1, Count(@"\WWebhookEndpoints\W"));
    }

    [Fact]
    public async Task The_opener_read_before_the_transaction_is_still_told_and_each_entry_reaches_only_the_endpoints_subscribed_to_it()
    {
        await SubscribeAsync(AuditActions.GrantIssued);
        await SubscribeAsync(AuditActions.RequestApproved, AuditActions.RequestDenied);
        var r = await _f.PendingContosoRequestAsync();

        await _f.Lockbox(Adam, s => s.ApproveAsync(r.Id, new ApproveCommand()));

        var opener = await _f.Db(db => db.OutboxMessages.AsNoTracking()
            .Where(m => m.Kind == OutboxKinds.OpenerNotified && m.AccessRequestId == r.Id).Select(m => m.Subject).ToListAsync());
        Assert.Equal([$"Access approved for ticket {r.TicketNumber}", $"Access to your environment requested for ticket {r.TicketNumber}"], opener.Order().ToList());
        var deliveries = await _f.Db(db => db.WebhookDeliveries.AsNoTracking().Select(d => d.EventType).ToListAsync());
        Assert.Equal(["com.lockboxportal.grant.issued", "com.lockboxportal.request.approved"], deliveries.Order().ToList());
    }
}
