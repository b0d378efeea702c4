using LockboxPortal.Application.Security;
using Microsoft.AspNetCore.Authorization;

namespace LockboxPortal.Web.Security;

/// <summary>A page policy over the mapped <see cref="PortalUser"/>; presentation only, services check again.</summary>
public sealed class PortalUserRequirement(string name, Func<PortalUser, bool> test) : IAuthorizationRequirement
{
    public string Name { get; } = name;
    public bool IsMetBy(PortalUser user) => test(user);
}

public sealed class PortalUserRequirementHandler(PortalClaimsMapper mapper) : AuthorizationHandler<PortalUserRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PortalUserRequirement requirement)
    {
        if (mapper.Map(context.User) is { } user && requirement.IsMetBy(user)) context.Succeed(requirement);
        return Task.CompletedTask;
    }
}
