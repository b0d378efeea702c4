using System.Runtime.CompilerServices;
using System.Security.Claims;
using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Common;

namespace LockboxPortal.Application.Security;

/// <summary>The caller of the current scope (an HTTP request or a Blazor circuit).</summary>
public interface ICurrentUser
{
    PortalUser? User { get; }

    /// <summary>Called by the guards when they refuse a signed-in caller; the portal's implementation audits it.</summary>
    void ReportRefusal(string operation, string reason) { }
}

/// <summary>
/// Holds the principal for a scope. HTTP requests set it from HttpContext.User; circuits set it from the
/// authentication state (and again whenever that changes), so services never read HttpContext.
/// </summary>
public sealed class CurrentUser(PortalClaimsMapper mapper, RefusalAuditor? refusals = null) : ICurrentUser
{
    public PortalUser? User { get; private set; }

    public void Set(ClaimsPrincipal? principal) => User = mapper.Map(principal);

    public void ReportRefusal(string operation, string reason)
    {
        // Anonymous calls never reach a service through the portal's endpoints; only a known caller's refusal means something.
        if (User is { } u)
            refusals?.Report(new AuthorizationRefusal(u.Name, u.Oid, u.TenantId, operation, null, reason));
    }
}

public static class CurrentUserGuards
{
    public static PortalUser RequireSignedIn(this ICurrentUser current) =>
        current.User ?? throw new ForbiddenAccessException("Sign in to continue.");

    public static PortalUser RequireCustomer(this ICurrentUser current,
        [CallerFilePath] string file = "", [CallerMemberName] string member = "")
    {
        var user = current.RequireSignedIn();
        return user.IsCustomer ? user : throw current.Refuse("Only users of a customer tenant can do this.", file, member);
    }

    public static PortalUser RequireEngineer(this ICurrentUser current,
        [CallerFilePath] string file = "", [CallerMemberName] string member = "")
    {
        var user = current.RequireSignedIn();
        return user.IsEngineer ? user : throw current.Refuse("Only support engineers (Lockbox.Engineer) can do this.", file, member);
    }

    public static PortalUser RequireApprover(this ICurrentUser current,
        [CallerFilePath] string file = "", [CallerMemberName] string member = "")
    {
        var user = current.RequireSignedIn();
        return user.IsApprover
            ? user
            : throw current.Refuse("Only a Global Administrator or a Lockbox approver of this tenant can decide access requests.", file, member);
    }

    public static PortalUser RequireGlobalAdministrator(this ICurrentUser current,
        [CallerFilePath] string file = "", [CallerMemberName] string member = "")
    {
        var user = current.RequireSignedIn();
        return user.IsTenantAdministrator
            ? user
            : throw current.Refuse("Only a Global Administrator of this tenant can do this.", file, member);
    }

    /// <summary>
    /// The exception for a refused caller, audited on the way out. The operation is named from the calling
    /// service and method, so every guard call is audited without touching its call site.
    /// </summary>
    public static ForbiddenAccessException Refuse(this ICurrentUser current, string reason,
        [CallerFilePath] string file = "", [CallerMemberName] string member = "")
    {
        current.ReportRefusal($"{Path.GetFileNameWithoutExtension(file.Replace('\\', '/').Split('/')[^1])}.{member}", reason);
        return new ForbiddenAccessException(reason);
    }
}
