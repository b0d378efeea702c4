using LockboxPortal.Application.Common;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Domain.Grants;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Tickets;

namespace LockboxPortal.Application.Security;

/// <summary>
/// Who may see what: every query a service runs on behalf of a user starts here, so the tenant scope is written
/// once. Customers see their tenant's tickets and requests; engineers the tickets assigned to them and the requests
/// they filed; anyone else nothing. What is not visible is not found, exactly like what does not exist.
/// </summary>
public static class Visibility
{
    public static IQueryable<AccessRequest> Requests(ILockboxDbContext db, PortalUser user) => user.Kind switch
    {
        PortalUserKind.Customer => db.AccessRequests.Where(r => r.TenantId == user.TenantId),
        PortalUserKind.Engineer => db.AccessRequests.Where(r => r.EngineerOid == user.Oid),
        _ => db.AccessRequests.Where(r => false),
    };

    /// <summary>
    /// Names the requests <see cref="Requests"/> gives <paramref name="user"/>: two users with the same key see the
    /// same requests, so open pages that show the same view of them may share one load (the blade's live refresh).
    /// Written beside <see cref="Requests"/> and by the same cases: a new case there needs its own key here.
    /// </summary>
    public static string RequestsKey(PortalUser user) => user.Kind switch
    {
        PortalUserKind.Customer => $"tenant:{user.TenantId:N}",
        PortalUserKind.Engineer => $"engineer:{user.Oid:N}",
        _ => "none",
    };

    public static IQueryable<SupportTicket> Tickets(ILockboxDbContext db, PortalUser user) => user.Kind switch
    {
        PortalUserKind.Customer => db.SupportTickets.Where(t => t.TenantId == user.TenantId),
        PortalUserKind.Engineer => db.SupportTickets.Where(t => t.AssignedEngineerOid == user.Oid),
        _ => db.SupportTickets.Where(t => false),
    };

    /// <summary>
    /// A signed grant opens the customer's environment, so fewer people see it than see its request: the engineer
    /// who holds it, and the customer's approvers (Global Administrators and Lockbox approvers) who answer for it.
    /// </summary>
    public static IQueryable<AccessGrant> Grants(ILockboxDbContext db, PortalUser user) => user switch
    {
        { IsApprover: true } => db.AccessGrants.Where(g => g.TenantId == user.TenantId),
        { IsEngineer: true } => db.AccessGrants.Where(g => db.AccessRequests.Any(r => r.Id == g.RequestId && r.EngineerOid == user.Oid)),
        _ => db.AccessGrants.Where(g => false),
    };

    public static bool CanSeeGrants(PortalUser user, AccessRequest request) =>
        (user.IsApprover && request.TenantId == user.TenantId) || (user.IsEngineer && request.EngineerOid == user.Oid);

    public static NotFoundException RequestNotFound() => new("No such access request. It may not exist, or it belongs to another tenant.");

    public static NotFoundException TicketNotFound() => new("No such support ticket. It may not exist, or you may not see it.");
}
