using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.Routing;
using Microsoft.AspNetCore.Routing;

namespace LockboxPortal.Web.Security;

/// <summary>Where a sign-in may send the browser afterwards: a path of this portal, nothing else.</summary>
public static class ReturnUrls
{
    /// <summary>The framework's own local-URL check (the one LocalRedirect applies); it reads no request state.</summary>
    private static readonly UrlHelper Framework = new(new ActionContext(new DefaultHttpContext(), new RouteData(), new ActionDescriptor()));

    /// <summary>
    /// <paramref name="returnUrl"/> when it is a local path, else "/". Browsers drop tabs and line breaks from a
    /// URL, so <c>/&lt;TAB&gt;/evil.example</c> becomes the protocol-relative <c>//evil.example</c>: any control
    /// character refuses the value before the framework's own local-URL check runs.
    /// </summary>
    public static string Safe(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl)
        && returnUrl.StartsWith('/')
        && !returnUrl.Any(char.IsControl)
        && Framework.IsLocalUrl(returnUrl)
            ? returnUrl
            : "/";

    /// <summary>
    /// Checks the return URL again when Entra ID's sign-in ticket comes back: the value travelled in the OIDC
    /// state, and whatever set it (another handler, an older portal version's state) must not redirect off-site.
    /// </summary>
    public static IServiceCollection AddReturnUrlRecheck(this IServiceCollection services)
    {
        services.PostConfigure<OpenIdConnectOptions>(OpenIdConnectDefaults.AuthenticationScheme, o =>
        {
            o.Events ??= new OpenIdConnectEvents();
            var next = o.Events.OnTicketReceived;
            o.Events.OnTicketReceived = context =>
            {
                context.ReturnUri = Safe(context.ReturnUri);
                if (context.Properties is not null) context.Properties.RedirectUri = context.ReturnUri;
                return next(context);
            };
        });
        return services;
    }
}
