using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;

namespace LockboxPortal.Application.Notifications;

public enum LiveScopeKind
{
    Tenant,
    Engineer,
    Request,
    Ticket,
}

/// <summary>
/// What an open page shows, and so the only changes it is woken for: a tenant's requests and settings, an
/// engineer's requests, one request, or one ticket's requests.
/// </summary>
public readonly record struct LiveScope(LiveScopeKind Kind, Guid Id)
{
    public static LiveScope Tenant(Guid tenantId) => new(LiveScopeKind.Tenant, tenantId);
    public static LiveScope Engineer(Guid engineerOid) => new(LiveScopeKind.Engineer, engineerOid);
    public static LiveScope Request(Guid requestId) => new(LiveScopeKind.Request, requestId);
    public static LiveScope Ticket(Guid ticketId) => new(LiveScopeKind.Ticket, ticketId);

    /// <summary>A stable text form, e.g. <c>tenant:3f2…</c>; also the suffix of the scope's pub/sub channel.</summary>
    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()}:{Id:N}";
}

/// <summary>Something committed that open pages may want to show without a reload; it names every scope it concerns.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(AccessRequestChanged), "request")]
[JsonDerivedType(typeof(TenantSettingsChanged), "tenant")]
public abstract record PortalChange
{
    [JsonIgnore]
    public abstract IReadOnlyList<LiveScope> Scopes { get; }
}

public sealed record AccessRequestChanged(Guid RequestId, Guid TenantId, Guid TicketId, Guid EngineerOid, string Status) : PortalChange
{
    public override IReadOnlyList<LiveScope> Scopes =>
        [LiveScope.Tenant(TenantId), LiveScope.Engineer(EngineerOid), LiveScope.Request(RequestId), LiveScope.Ticket(TicketId)];
}

public sealed record TenantSettingsChanged(Guid TenantId) : PortalChange
{
    public override IReadOnlyList<LiveScope> Scopes => [LiveScope.Tenant(TenantId)];
}

/// <summary>
/// Fan-out of committed changes to the circuits that show them. Published only after commit. A subscription
/// names one scope and receives only changes of that scope; subscribers must dispose it when they go.
/// </summary>
public interface IPortalEvents
{
    void Publish(PortalChange change);

    IDisposable Subscribe<TChange>(LiveScope scope, Func<TChange, Task> handler) where TChange : PortalChange;

    /// <summary>
    /// Every change committed by this instance, whatever its scope: for work this instance queued itself (its
    /// outbox), never for pages. Changes published by other instances do not arrive here.
    /// </summary>
    IDisposable SubscribeToLocalCommits(Func<PortalChange, Task> handler);
}

public static class PortalEventsPublishing
{
    /// <summary>
    /// Publishes <paramref name="change"/> on the thread pool and returns at once, so the caller (an approver's click)
    /// never waits for the fan-out. The notifiers hand a change to each subscriber synchronously, and a page's handler
    /// runs inline on an idle circuit's dispatcher until its first real await, which SQLite's synchronous I/O never
    /// reaches: published inline, every open page of the tenant reloaded on the publisher's thread before the
    /// decision returned (~6.5 ms per open blade circuit, ~240 ms with 36; docs/performance.md, "Where an approve
    /// click's time goes"). The change is committed before this is called; a failure to publish is logged, never
    /// thrown, because the decision it reports stands.
    /// </summary>
    public static void PublishDetached(this IPortalEvents events, PortalChange change, ILogger logger) =>
        ThreadPool.UnsafeQueueUserWorkItem(static s =>
        {
            try
            {
                s.events.Publish(s.change);
            }
            catch (Exception ex)
            {
                s.logger.LogWarning(ex, "Publishing {Change} to open pages failed; they show it at their next load", s.change.GetType().Name);
            }
        }, (events, change, logger), preferLocal: false);
}
