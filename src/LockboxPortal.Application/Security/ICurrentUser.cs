using System.Security.Claims;
using LockboxPortal.Application.Common;

namespace LockboxPortal.Application.Security;

/// <summary>The caller of the current scope (an HTTP request or a Blazor circuit).</summary>
public interface ICurrentUser
{
    PortalUser? User { get; }
}

/// <summary>
/// Holds the principal for a scope. HTTP requests set it from HttpContext.User; circuits set it from the
/// authentication state (and again whenever that changes), so services never read HttpContext.
/// </summary>
public sealed class CurrentUser(PortalClaimsMapper mapper) : ICurrentUser
{
    public PortalUser? User { get; private set; }

    public void Set(ClaimsPrincipal? principal) => User = mapper.Map(principal);
}

public static class CurrentUserGuards
{
    public static PortalUser RequireSignedIn(this ICurrentUser current) =>
        current.User ?? throw new ForbiddenAccessException("Sign in to continue.");

    public static PortalUser RequireCustomer(this ICurrentUser current)
    {
        var user = current.RequireSignedIn();
        return user.IsCustomer ? user : throw new ForbiddenAccessException("Only users of a customer tenant can do this.");
    }

    public static PortalUser RequireEngineer(this ICurrentUser current)
    {
        var user = current.RequireSignedIn();
        return user.IsEngineer ? user : throw new ForbiddenAccessException("Only support engineers (Lockbox.Engineer) can do this.");
    }

    public static PortalUser RequireApprover(this ICurrentUser current)
    {
        var user = current.RequireSignedIn();
        return user.IsApprover
            ? user
            : throw new ForbiddenAccessException("Only a Global Administrator or a Lockbox approver of this tenant can decide access requests.");
    }

    public static PortalUser RequireGlobalAdministrator(this ICurrentUser current)
    {
        var user = current.RequireSignedIn();
        return user.IsTenantAdministrator
            ? user
            : throw new ForbiddenAccessException("Only a Global Administrator of this tenant can do this.");
    }
}
