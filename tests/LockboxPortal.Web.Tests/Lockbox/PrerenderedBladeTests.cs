using System.Text.RegularExpressions;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Web.Tests.Support;

namespace LockboxPortal.Web.Tests.Lockbox;

/// <summary>The blade's first HTML, as a browser paints it before the circuit starts.</summary>
public sealed class PrerenderedBladeTests(PrerenderedBladeTests.Host host) : IClassFixture<PrerenderedBladeTests.Host>
{
    public sealed class Host() : PortalWebFactory;

    [Fact]
    public async Task The_prerendered_blade_shows_the_chosen_page_size_and_every_filter_option_from_the_shared_markup()
    {
        var carol = await host.SignInAsync(DemoPersonas.Carol);

        var html = await carol.GetStringAsync("/lockbox");

        // The page size's options are elements so the prerender marks 25 (not the first option) selected.
        Assert.Matches(new Regex("""<option value="25" selected[^>]*>25</option>"""), html);
        Assert.DoesNotMatch(new Regex("""<option value="10" selected"""), html);
        // The filters' options come as one shared markup string each and start on "All …", their first option.
        Assert.Matches(new Regex("""<select[^>]*data-testid="status-filter"[^>]*><option value="">All statuses</option><option value="CustomerNotified">Customer Notified</option>"""), html);
        Assert.Contains("""<option value="LegalOrCompliance">""", html);
        Assert.Contains("""<option value="Red Hat">Red Hat</option>""", html);
        // The administration link and the menu are plain markup in the page.
        Assert.Matches(new Regex("""<a href="/lockbox/administration" class="mud-button-root mud-button mud-button-outlined[^"]*"><span class="mud-button-label">"""), html);
        Assert.Contains("<a href=\"/lockbox\" class=\"mud-nav-link active\" aria-current=\"page\"", html);
    }
}
