using LockboxPortal.Application.Common;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Application.Security;
using LockboxPortal.Domain.Lockbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Application.Lockbox;

/// <summary>
/// Reads of the Customer Lockbox: the blade, a request, the badge. Every method authorizes the caller itself and
/// scopes rows by what the caller may see (their tenant's requests, or an engineer's own).
/// </summary>
public sealed class LockboxQueries(ILockboxDbContextFactory dbFactory, ICurrentUser currentUser, TimeProvider time, IOptionsMonitor<LockboxOptions> options)
{
    /// <summary>
    /// Which policy a request would meet if the engineer filed it now ("needs 2 approvals from Contoso"), from the
    /// same evaluator filing uses. Fields the form has not filled in well yet count as unset; filing validates them.
    /// </summary>
    public async Task<PolicyPreview> PreviewPolicyAsync(FileAccessRequestCommand cmd, CancellationToken ct = default)
    {
        var user = currentUser.RequireEngineer();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var ticket = await Visibility.Tickets(db, user).AsNoTracking().SingleOrDefaultAsync(t => t.Number == cmd.TicketNumber, ct)
            ?? throw Visibility.TicketNotFound();
        var tenant = await db.Tenants.AsNoTracking().SingleAsync(t => t.Id == ticket.TenantId, ct);
        if (!tenant.LockboxEnabled)
            return new PolicyPreview($"will be approved automatically: {tenant.DisplayName} has Customer Lockbox off", true, 0);
        var subscription = cmd.ScopeKind == AccessScopeKind.Subscription && Guid.TryParse(cmd.SubscriptionId, out var s) ? s : (Guid?)null;
        var duration = cmd.Duration is { } d && d > TimeSpan.Zero ? d : options.CurrentValue.DefaultAccessDuration;
        var policy = await ApprovalPolicies.LoadAsync(db, tenant, ct);
        var decision = policy.Evaluate(ApprovalPolicies.Facts(ticket, user.SupportOrganization!, cmd.ScopeKind, subscription, duration, time.GetUtcNow(), cmd.Reason));
        return new PolicyPreview(decision.Describe(tenant.DisplayName), decision.ApproveAutomatically, decision.RequiredApprovals);
    }

    public async Task<RequestPage> ListAsync(RequestListQuery query, CancellationToken ct = default)
    {
        var user = currentUser.RequireSignedIn();
        var pageSize = Math.Clamp(query.PageSize, 1, 200);
        var now = time.GetUtcNow();

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = Filtered(db, user, query, now);
        var total = query.IncludeTotal ? await q.CountAsync(ct) : (int?)null;

        List<AccessRequest> rows;
        if (query.SortBy == RequestSort.CreatedAt && (query.After is not null || query.Before is not null))
        {
            rows = await SeekAsync(q, query, pageSize, ct);
        }
        else
        {
            rows = await Order(q, query.SortBy, query.Descending)
                .Skip(Math.Max(0, query.Page) * pageSize).Take(pageSize).ToListAsync(ct);
        }

        var tenantNames = await AccessRequestProjection.TenantNamesAsync(db, rows.Select(r => r.TenantId), ct);
        var scope = await ApproverScope.LoadAsync(db, user, rows, ct);
        var items = rows.Select(r => AccessRequestProjection.ToDto(r, tenantNames, user, now, scope)).ToList();
        return new RequestPage(items, total,
            rows.Count > 0 ? new RequestCursor(rows[0].CreatedAt, rows[0].Id) : null,
            rows.Count > 0 ? new RequestCursor(rows[^1].CreatedAt, rows[^1].Id) : null);
    }

    /// <summary>
    /// A key for <paramref name="view"/> (a list query, "pending") as the caller sees it: callers with the same key get
    /// the same answer from the same view, so open pages can share one load of it after a change. Requires sign-in.
    /// </summary>
    public string ViewKey(object view) => $"{Visibility.RequestsKey(currentUser.RequireSignedIn())}|{view}";

    /// <summary>
    /// How many requests match the list's filters. The blade asks for it after it has shown the rows, so the
    /// first rows never wait for a count over a tenant's whole history.
    /// </summary>
    public async Task<int> CountAsync(RequestListQuery query, CancellationToken ct = default)
    {
        var user = currentUser.RequireSignedIn();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await Filtered(db, user, query, time.GetUtcNow()).CountAsync(ct);
    }

    private static IQueryable<AccessRequest> Filtered(ILockboxDbContext db, PortalUser user, RequestListQuery query, DateTimeOffset now)
    {
        var q = Visibility.Requests(db, user).AsNoTracking();
        if (query.TicketId is { } ticketId) q = q.Where(r => r.TicketId == ticketId);
        if (query.Reason is { } reason) q = q.Where(r => r.Reason == reason);
        if (query.Status is { } status) q = q.Where(AccessRequestLifecycle.HasStatus(status, now));
        if (!string.IsNullOrWhiteSpace(query.SupportOrganization))
        {
            var organization = query.SupportOrganization.Trim();
            q = q.Where(r => r.SupportOrganization == organization);
        }
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var s = query.Search.Trim();
            if (s.Length > 100) s = s[..100];
            q = q.Where(Common.TextSearch.Containing<AccessRequest>(db, s, r => r.TicketNumber.StartsWith(s),
                r => r.EngineerName, r => r.EngineerEmail, r => r.Justification, r => r.ResourceIds));
        }
        return q;
    }

    public async Task<AccessRequestDto> GetAsync(Guid id, CancellationToken ct = default)
    {
        var user = currentUser.RequireSignedIn();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var r = await Visibility.Requests(db, user).AsNoTracking().SingleOrDefaultAsync(x => x.Id == id, ct) ?? throw Visibility.RequestNotFound();
        var names = await AccessRequestProjection.TenantNamesAsync(db, [r.TenantId], ct);
        var scope = await ApproverScope.LoadAsync(db, user, [r], ct);
        return AccessRequestProjection.ToDto(r, names, user, time.GetUtcNow(), scope);
    }

    /// <summary>Pending requests the caller could act on (approvers) or follow (engineers): the navigation badge.</summary>
    public async Task<int> CountPendingAsync(CancellationToken ct = default)
    {
        var user = currentUser.RequireSignedIn();
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await Visibility.Requests(db, user).CountAsync(AccessRequestLifecycle.HasStatus(AccessRequestStatus.CustomerNotified, now), ct);
    }

    private static IOrderedQueryable<AccessRequest> Order(IQueryable<AccessRequest> q, RequestSort sort, bool desc) => (sort, desc) switch
    {
        (RequestSort.TicketNumber, false) => q.OrderBy(r => r.TicketNumber).ThenByDescending(r => r.CreatedAt).ThenBy(r => r.Id),
        (RequestSort.TicketNumber, true) => q.OrderByDescending(r => r.TicketNumber).ThenByDescending(r => r.CreatedAt).ThenBy(r => r.Id),
        (RequestSort.Engineer, false) => q.OrderBy(r => r.EngineerName).ThenByDescending(r => r.CreatedAt).ThenBy(r => r.Id),
        (RequestSort.Engineer, true) => q.OrderByDescending(r => r.EngineerName).ThenByDescending(r => r.CreatedAt).ThenBy(r => r.Id),
        (RequestSort.Status, false) => q.OrderBy(r => r.Status).ThenByDescending(r => r.CreatedAt).ThenBy(r => r.Id),
        (RequestSort.Status, true) => q.OrderByDescending(r => r.Status).ThenByDescending(r => r.CreatedAt).ThenBy(r => r.Id),
        (RequestSort.PendingUntil, false) => q.OrderBy(r => r.PendingUntil).ThenBy(r => r.Id),
        (RequestSort.PendingUntil, true) => q.OrderByDescending(r => r.PendingUntil).ThenBy(r => r.Id),
        (_, false) => q.OrderBy(r => r.CreatedAt).ThenBy(r => r.Id),
        _ => q.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id),
    };

    /// <summary>Keyset paging on (CreatedAt, Id): the index walks straight to the page at any depth.</summary>
    private static async Task<List<AccessRequest>> SeekAsync(IQueryable<AccessRequest> q, RequestListQuery query, int pageSize, CancellationToken ct)
    {
        // "Forward" is the direction of the requested order; Before pages backwards and flips the result.
        var forward = query.After is not null;
        var c = (query.After ?? query.Before)!;
        var newerThanCursor = query.Descending != forward;
        if (newerThanCursor)
        {
            q = q.Where(r => r.CreatedAt > c.CreatedAt || (r.CreatedAt == c.CreatedAt && r.Id.CompareTo(c.Id) > 0));
            var page = await q.OrderBy(r => r.CreatedAt).ThenBy(r => r.Id).Take(pageSize).ToListAsync(ct);
            if (query.Descending) page.Reverse();
            return page;
        }
        else
        {
            q = q.Where(r => r.CreatedAt < c.CreatedAt || (r.CreatedAt == c.CreatedAt && r.Id.CompareTo(c.Id) < 0));
            var page = await q.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id).Take(pageSize).ToListAsync(ct);
            if (!query.Descending) page.Reverse();
            return page;
        }
    }

}
