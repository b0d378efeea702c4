using LockboxPortal.Application.Persistence;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Tenants;
using LockboxPortal.Domain.Tickets;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Application.Lockbox;

/// <summary>Reads a tenant's approval policy for the one evaluator (<see cref="ApprovalPolicy"/>): filing, the preview and the dry run.</summary>
internal static class ApprovalPolicies
{
    public static async Task<ApprovalPolicy> LoadAsync(ILockboxDbContext db, Tenant tenant, CancellationToken ct, Func<List<ApprovalRule>, List<ApprovalRule>>? edit = null)
    {
        var rules = await db.ApprovalRules.AsNoTracking().Where(r => r.TenantId == tenant.Id && r.IsCurrent).ToListAsync(ct);
        var subscriptions = await db.TenantSubscriptions.AsNoTracking()
            .Where(s => s.TenantId == tenant.Id && s.RequiredApprovals != null)
            .ToDictionaryAsync(s => s.SubscriptionId, s => s.RequiredApprovals!.Value, ct);
        return new ApprovalPolicy(edit is null ? rules : edit(rules), tenant.RequiredApprovals, subscriptions, TimeZoneOf(tenant.TimeZoneId));
    }

    public static TimeZoneInfo TimeZoneOf(string? id) =>
        !string.IsNullOrWhiteSpace(id) && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : TimeZoneInfo.Utc;

    public static RequestFacts Facts(SupportTicket ticket, string organization, AccessScopeKind scope, Guid? subscription,
        TimeSpan duration, DateTimeOffset at, JustificationReason reason) =>
        new(organization, ticket.Product, scope, subscription, duration, at, ticket.Severity, reason);
}
