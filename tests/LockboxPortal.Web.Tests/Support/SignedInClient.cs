using System.Net;
using System.Text.RegularExpressions;
using LockboxPortal.Infrastructure.Demo;
using Microsoft.AspNetCore.Mvc.Testing;

namespace LockboxPortal.Web.Tests.Support;

public static partial class SignedInClient
{
    /// <summary>An HTTP client signed in through the real Development sign-in form (antiforgery included).</summary>
    public static async Task<HttpClient> SignInAsync(this PortalWebFactory factory, DemoPersona persona, string returnUrl = "/")
    {
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var page = await client.GetStringAsync("/account/signin");
        var token = AntiforgeryField().Match(page).Groups[1].Value;
        var response = await client.PostAsync("/account/dev-signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["persona"] = persona.Key,
            ["returnUrl"] = returnUrl,
        }));
        if (response.StatusCode != HttpStatusCode.Redirect)
            throw new InvalidOperationException($"Sign-in as {persona.Name} answered {(int)response.StatusCode}.");
        return client;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
