using LockboxPortal.Application.Common;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Lockbox;

/// <summary>Who may call each method, and that everyone else is refused without changing anything.</summary>
public sealed class LockboxAuthorizationTests : IAsyncLifetime
{
    private readonly PortalFixture _f = new();
    private AccessRequestDto _pending = null!;

    public async Task InitializeAsync()
    {
        await _f.InitializeAsync();
        _pending = await _f.PendingContosoRequestAsync();
    }

    public async Task DisposeAsync() => await _f.DisposeAsync();

    public static TheoryData<string> NonApprovers => ["uma", "mia", "ravi", "fiona"];
    public static TheoryData<string> OtherTenantApprovers => ["frank"];

    [Theory]
    [MemberData(nameof(NonApprovers))]
    public async Task Approve_deny_and_revoke_are_forbidden_to_users_who_are_not_approvers(string persona)
    {
        var who = Find(persona)!;
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => _f.Lockbox(who, s => s.ApproveAsync(_pending.Id, new ApproveCommand())));
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => _f.Lockbox(who, s => s.DenyAsync(_pending.Id, new DenyCommand("No."))));
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => _f.Lockbox(who, s => s.RevokeAsync(_pending.Id, new RevokeCommand("Done."))));
        await AssertUnchanged();
    }

    [Fact]
    public async Task Anonymous_callers_are_forbidden_everything()
    {
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => _f.Read(null, _pending.Id));
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => _f.Lockbox(null, s => s.ApproveAsync(_pending.Id, new ApproveCommand())));
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => _f.As(null, sp => Svc(sp).ListAsync(new RequestListQuery())));
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => _f.Lockbox(null, s => s.FileAsync(Scenario.Request("2611280000000001"))));
        await AssertUnchanged();
    }

    [Fact]
    public async Task Another_tenants_global_administrator_gets_not_found_exactly_like_a_missing_id()
    {
        var foreign = await Assert.ThrowsAsync<NotFoundException>(() => _f.Lockbox(Frank, s => s.ApproveAsync(_pending.Id, new ApproveCommand())));
        var missing = await Assert.ThrowsAsync<NotFoundException>(() => _f.Lockbox(Frank, s => s.ApproveAsync(Guid.NewGuid(), new ApproveCommand())));
        Assert.Equal(missing.Message, foreign.Message);
        await Assert.ThrowsAsync<NotFoundException>(() => _f.Lockbox(Frank, s => s.DenyAsync(_pending.Id, new DenyCommand("Not ours."))));
        await Assert.ThrowsAsync<NotFoundException>(() => _f.Read(Frank, _pending.Id));
        await Assert.ThrowsAsync<NotFoundException>(() => _f.Read(Fiona, _pending.Id));
        await AssertUnchanged();
    }

    [Fact]
    public async Task Fabrikam_users_never_see_Contoso_requests_in_lists_or_counts()
    {
        foreach (var who in new[] { Frank, Fiona })
        {
            var page = await _f.As(who, sp => Svc(sp).ListAsync(new RequestListQuery()));
            Assert.Empty(page.Items);
            Assert.Equal(0, page.TotalCount);
            Assert.Equal(0, await _f.As(who, sp => Svc(sp).CountPendingAsync()));
        }
        var contoso = await _f.As(Uma, sp => Svc(sp).ListAsync(new RequestListQuery()));
        Assert.Equal(_pending.Id, Assert.Single(contoso.Items).Id);
    }

    [Fact]
    public async Task Customers_cannot_file_or_withdraw_requests()
    {
        var ticket = await _f.OpenTicketAsync(Uma);
        foreach (var who in new[] { Carol, Adam, Uma })
        {
            await Assert.ThrowsAsync<ForbiddenAccessException>(() => _f.FileAsync(who, Scenario.Request(ticket.Number)));
            await Assert.ThrowsAsync<ForbiddenAccessException>(() => _f.Lockbox(who, s => s.WithdrawAsync(_pending.Id)));
        }
        await AssertUnchanged();
    }

    [Fact]
    public async Task Only_the_requester_may_withdraw()
    {
        await Assert.ThrowsAsync<NotFoundException>(() => _f.Lockbox(Ravi, s => s.WithdrawAsync(_pending.Id)));
        await AssertUnchanged();
    }

    [Fact]
    public async Task An_engineer_cannot_file_for_a_ticket_assigned_to_someone_else()
    {
        var ticket = await _f.OpenTicketAsync(Uma, "Microsoft");
        var ex = await Assert.ThrowsAsync<InputValidationException>(() => _f.FileAsync(Ravi, Scenario.Request(ticket.Number)));
        Assert.Contains("TicketNumber", ex.Errors.Keys);
        Assert.Contains("assigned to you", ex.Message);
    }

    [Fact]
    public async Task An_engineer_sees_only_their_own_requests()
    {
        var mine = await _f.As(Mia, sp => Svc(sp).ListAsync(new RequestListQuery()));
        Assert.Equal(_pending.Id, Assert.Single(mine.Items).Id);
        var others = await _f.As(Ravi, sp => Svc(sp).ListAsync(new RequestListQuery()));
        Assert.Empty(others.Items);
        await Assert.ThrowsAsync<NotFoundException>(() => _f.Read(Ravi, _pending.Id));
    }

    [Fact]
    public async Task The_requester_can_never_approve_their_own_request_even_holding_the_approver_role()
    {
        // A misconfigured directory: an engineer who also signs in to the customer tenant with the same oid and approver role.
        var doubleAgent = new DemoPersona("x", "Mia Chen", "mia@contoso.com", Mia.Oid, ContosoTenant, "Contoso", "Approver", true, "Lockbox.Approver");
        var ex = await Assert.ThrowsAsync<ForbiddenAccessException>(() => _f.Lockbox(doubleAgent, s => s.ApproveAsync(_pending.Id, new ApproveCommand())));
        Assert.Contains("cannot decide", ex.Message);
        await AssertUnchanged();
    }

    private static LockboxQueries Svc(IServiceProvider sp) => (LockboxQueries)sp.GetService(typeof(LockboxQueries))!;

    private async Task AssertUnchanged()
    {
        var stored = await _f.Db(db => db.AccessRequests.SingleAsync(r => r.Id == _pending.Id));
        Assert.Equal(AccessRequestStatus.CustomerNotified, stored.Status);
        Assert.Null(stored.DecidedAt);
        Assert.Null(stored.ClosedAt);
    }
}
