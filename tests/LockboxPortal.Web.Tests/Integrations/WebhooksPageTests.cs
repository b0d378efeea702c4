using Bunit;
using LockboxPortal.Application.Integrations;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Web.Components.Pages.Administration;
using LockboxPortal.Web.Tests.Support;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;

namespace LockboxPortal.Web.Tests.Integrations;

public sealed class WebhooksPageTests : PortalTestContext
{
    [Fact]
    public async Task A_global_administrator_sees_their_tenants_endpoints_and_not_another_tenants()
    {
        // Documentation addresses (TEST-NET-1): nothing in this context dispatches.
        await As(DemoPersonas.Carol, sp => sp.GetRequiredService<WebhookService>().CreateAsync(new CreateWebhookCommand("https://192.0.2.20/contoso", [AuditActions.RequestApproved])));
        await As(DemoPersonas.Frank, sp => sp.GetRequiredService<WebhookService>().CreateAsync(new CreateWebhookCommand("https://192.0.2.21/fabrikam", [AuditActions.RequestDenied])));
        SignInAs(DemoPersonas.Carol);

        var cut = Render<CascadingAuthenticationState>(p => p.AddChildContent<Webhooks>());

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=webhook-row]")), TimeSpan.FromSeconds(10));
        Assert.Contains("https://192.0.2.20/contoso", cut.Markup);
        Assert.Contains(Application.Audit.AuditSentences.ActionName(AuditActions.RequestApproved), cut.Find("[data-testid=webhook-row]").TextContent);
        Assert.DoesNotContain("fabrikam", cut.Markup);
        Assert.Empty(cut.FindAll("[data-testid=webhook-secret]"));
    }

    [Fact]
    public void A_bad_url_shows_what_to_fix_and_adds_nothing()
    {
        SignInAs(DemoPersonas.Carol);
        var cut = Render<CascadingAuthenticationState>(p => p.AddChildContent<Webhooks>());
        cut.WaitForAssertion(() => cut.Find("[data-testid=webhooks-empty]"), TimeSpan.FromSeconds(10));

        cut.Find("input[data-testid=webhook-url], [data-testid=webhook-url] input").Change("http://hooks.example.com/lockbox");
        cut.Find("[data-testid=webhook-add]").Click();

        cut.WaitForAssertion(() => Assert.Contains("must start with https://", cut.Markup), TimeSpan.FromSeconds(10));
        Assert.Empty(cut.FindAll("[data-testid=webhook-row]"));
        Assert.Empty(cut.FindAll("[data-testid=webhook-secret]"));
    }
}
