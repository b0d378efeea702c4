using Bunit;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Domain.Notifications;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Tests.Support;
using LockboxPortal.Web.Components.Pages.Notifications;
using LockboxPortal.Web.Tests.Support;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LockboxPortal.Web.Tests.Notifications;

public sealed class OutboxPageTests : PortalTestContext
{
    private async Task<Guid> FailedMessageAsync(Guid tenantId, string error)
    {
        await using var db = await Services.GetRequiredService<ILockboxDbContextFactory>().CreateDbContextAsync();
        var id = Guid.NewGuid();
        db.OutboxMessages.Add(new OutboxMessage
        {
            Id = id,
            MessageId = $"<{id:N}@lockbox.test>",
            Kind = OutboxKinds.RequestFiled,
            TenantId = tenantId,
            To = "carol.diaz@contoso.com",
            Subject = $"Customer Lockbox request for tenant {tenantId}",
            TextBody = "text",
            HtmlBody = "<p>html</p>",
            Status = OutboxStatus.Failed,
            Attempts = 8,
            LastError = error,
            CreatedAt = PortalFixture.Start,
            NextAttemptAt = PortalFixture.Start,
        });
        await db.SaveChangesAsync();
        return id;
    }

    [Fact]
    public async Task A_global_administrator_sees_their_tenants_failed_message_with_its_error_and_sends_it_again()
    {
        var id = await FailedMessageAsync(DemoPersonas.ContosoTenant, "SocketException: Connection refused");
        await FailedMessageAsync(DemoPersonas.FabrikamTenant, "Fabrikam's problem");
        SignInAs(DemoPersonas.Carol);

        var cut = Render<CascadingAuthenticationState>(p => p.AddChildContent<Outbox>());

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=outbox-row]")), TimeSpan.FromSeconds(10));
        Assert.Equal("SocketException: Connection refused", cut.Find("[data-testid=outbox-error]").TextContent);
        Assert.DoesNotContain("Fabrikam", cut.Markup);

        cut.Find("[data-testid=outbox-retry]").Click();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=outbox-empty]")), TimeSpan.FromSeconds(10));
        await using var db = await Services.GetRequiredService<ILockboxDbContextFactory>().CreateDbContextAsync();
        Assert.Equal(OutboxStatus.Pending, await db.OutboxMessages.Where(m => m.Id == id).Select(m => m.Status).SingleAsync());
    }
}
