using System.Reflection;
using LockboxPortal.Application.Administration;
using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Grants;
using LockboxPortal.Application.ServicePrincipals;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Notifications;
using LockboxPortal.Application.Tickets;
using LockboxPortal.Application.Transparency;
using LockboxPortal.Application.Users;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Tests.ServicePrincipals;
using LockboxPortal.Tests.Support;
using LockboxPortal.Application.Integrations;
using LockboxPortal.Domain.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Security;

/// <summary>
/// Every public service method, called directly (no page in front) by every persona that must be refused,
/// and by no one at all: each refusal is Forbidden or NotFound with a message, and nothing changes.
/// </summary>
public sealed class ServiceAuthorizationMatrixTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly PortalFixture _f = new();
    private AccessRequestDto _pending = null!;
    private AccessRequestDto _approved = null!;
    private AccessRequestDto _ended = null!;
    private TicketDto _ticket = null!;
    private Guid _contosoMessage;
    private ServicePrincipalDto _servicePrincipal = null!;
    private WebhookEndpointDto _webhook = null!;
    private Guid _webhookDelivery;
    private ApprovalRuleDto _rule = null!;
    private static readonly Guid PolicySubscription = Guid.Parse(Scenario.Subscription);

    public async Task InitializeAsync()
    {
        await _f.InitializeAsync();
        _pending = await _f.PendingContosoRequestAsync();
        var other = await _f.PendingContosoRequestAsync();
        // A documentation address (TEST-NET-1): nothing here dispatches, and nothing could be reached there.
        _webhook = (await _f.As(Carol, sp => S<WebhookService>(sp).CreateAsync(new CreateWebhookCommand("https://192.0.2.10/hook", [AuditActions.RequestApproved])))).Endpoint;
        _approved = await _f.Lockbox(Carol, s => s.ApproveAsync(other.Id, new ApproveCommand()));
        _ticket = await _f.As(Uma, sp => sp.GetRequiredService<TicketService>().GetAsync(_pending.TicketId));
        var ended = await _f.PendingContosoRequestAsync();
        await _f.Lockbox(Carol, s => s.ApproveAsync(ended.Id, new ApproveCommand()));
        _ended = await _f.Lockbox(Carol, s => s.RevokeAsync(ended.Id, new RevokeCommand("Done.")));
        _webhookDelivery = await _f.Db(db => db.WebhookDeliveries.Where(d => d.EndpointId == _webhook.Id).Select(d => d.Id).FirstAsync());
        _contosoMessage = await _f.Db(db => db.OutboxMessages.Where(m => m.TenantId == ContosoTenant).Select(m => m.Id).FirstAsync());
        await _f.As(Carol, sp => S<ServicePrincipalService>(sp).CreateAsync(SpTestData.Command()));
        await _f.As(Carol, sp => S<ApprovalPolicyService>(sp).SaveSubscriptionAsync(new SubscriptionPolicyCommand(Scenario.Subscription, "Production", null, [Adam.Oid])));
        _rule = await _f.As(Carol, sp => S<ApprovalPolicyService>(sp).SaveRuleAsync(
            new ApprovalRuleCommand(null, "Incidents", 1, LockboxPortal.Domain.Lockbox.ApprovalRuleAction.RequireApprovals, 2, Reason: JustificationReason.Incident)));
        _servicePrincipal = (await _f.As(Carol, sp => S<ServicePrincipalService>(sp).ListAsync(new ServicePrincipalListQuery()))).Items.Single();
    }

    public async Task DisposeAsync() => await _f.DisposeAsync();

    private sealed record Rule(string Method, Func<IServiceProvider, Task> Call, params string[] Allowed);

    private static T S<T>(IServiceProvider sp) where T : notnull => sp.GetRequiredService<T>();

    private IReadOnlyList<Rule> Rules() =>
    [
        // Filing is for engineers, and only on a ticket assigned to them (Mia); Ravi gets a validation refusal.
        new("LockboxCommands.FileAsync", sp => S<LockboxCommands>(sp).FileAsync(Scenario.Request(_ticket.Number)), "mia", "ravi"),
        new("LockboxQueries.ListAsync", sp => S<LockboxQueries>(sp).ListAsync(new RequestListQuery()), "carol", "adam", "uma", "frank", "fiona", "mia", "ravi"),
        new("LockboxQueries.CountAsync", sp => S<LockboxQueries>(sp).CountAsync(new RequestListQuery()), "carol", "adam", "uma", "frank", "fiona", "mia", "ravi"),
        new("LockboxQueries.GetAsync", sp => S<LockboxQueries>(sp).GetAsync(_pending.Id), "carol", "adam", "uma", "mia"),
        new("LockboxQueries.CountPendingAsync", sp => S<LockboxQueries>(sp).CountPendingAsync(), "carol", "adam", "uma", "frank", "fiona", "mia", "ravi"),
        new("LockboxCommands.ApproveAsync", sp => S<LockboxCommands>(sp).ApproveAsync(_pending.Id, new ApproveCommand(Comment: "ok")), "carol", "adam"),
        new("LockboxCommands.DenyAsync", sp => S<LockboxCommands>(sp).DenyAsync(_pending.Id, new DenyCommand("no")), "carol", "adam"),
        new("LockboxCommands.RevokeAsync", sp => S<LockboxCommands>(sp).RevokeAsync(_approved.Id, new RevokeCommand("stop")), "carol", "adam"),
        new("LockboxCommands.WithdrawAsync", sp => S<LockboxCommands>(sp).WithdrawAsync(_pending.Id), "mia"),
        new("LockboxCommands.EndAccessAsync", sp => S<LockboxCommands>(sp).EndAccessAsync(_approved.Id), "mia"),
        new("TicketService.OpenAsync", sp => S<TicketService>(sp).OpenAsync(new OpenTicketCommand("A title here", "A long enough description.", LockboxPortal.Domain.Tickets.TicketSeverity.B, "Azure Red Hat OpenShift")),
            "carol", "adam", "uma", "frank", "fiona"),
        new("TicketService.ListAsync", sp => S<TicketService>(sp).ListAsync(new TicketListQuery()), "carol", "adam", "uma", "frank", "fiona", "mia", "ravi"),
        new("TicketService.GetAsync", sp => S<TicketService>(sp).GetAsync(_ticket.Id), "carol", "adam", "uma", "mia"),
        new("TicketService.GetByNumberAsync", sp => S<TicketService>(sp).GetByNumberAsync(_ticket.Number), "carol", "adam", "uma", "mia"),
        new("AdministrationService.GetSettingsAsync", sp => S<AdministrationService>(sp).GetSettingsAsync(), "carol", "frank"),
        new("AdministrationService.IsLockboxEnabledAsync", sp => S<AdministrationService>(sp).IsLockboxEnabledAsync(), "carol", "adam", "uma", "frank", "fiona"),
        new("AdministrationService.SetLockboxEnabledAsync", sp => S<AdministrationService>(sp).SetLockboxEnabledAsync(false, Guid.Empty), "carol", "frank"),
        new("AdministrationService.SetAlternateEmailsAsync", sp => S<AdministrationService>(sp).SetAlternateEmailsAsync(["x@example.com"], Guid.Empty), "carol", "frank"),
        new("OutboxService.ListAsync", sp => S<OutboxService>(sp).ListAsync(new OutboxQuery()), "carol", "frank"),
        new("OutboxService.CountFailedAsync", sp => S<OutboxService>(sp).CountFailedAsync(), "carol", "frank"),
        new("OutboxService.RetryAsync", sp => S<OutboxService>(sp).RetryAsync(_contosoMessage), "carol"),
        new("AuditService.ListAsync", sp => S<AuditService>(sp).ListAsync(new AuditQuery()), "carol", "adam", "frank"),
        new("AuditService.ExportCsvAsync", sp => S<AuditService>(sp).ExportCsvAsync(new AuditQuery(), TextWriter.Null), "carol", "adam", "frank"),
        new("AuditService.HistoryOfRequestAsync", sp => S<AuditService>(sp).HistoryOfRequestAsync(_pending.Id), "carol", "adam", "uma", "mia"),
        new("AuditService.VerifyAsync", sp => S<AuditService>(sp).VerifyAsync(), "carol", "frank"),
        new("GrantService.GetGrantAsync", sp => S<GrantService>(sp).GetGrantAsync(_approved.Id), "carol", "adam", "mia"),
        new("ServicePrincipalService.CreateAsync", sp => S<ServicePrincipalService>(sp).CreateAsync(SpTestData.Command("matrix-sp", "matrix-rg")), "carol", "frank"),
        new("ServicePrincipalService.ListAsync", sp => S<ServicePrincipalService>(sp).ListAsync(new ServicePrincipalListQuery()), "carol", "frank"),
        new("ServicePrincipalService.GetAsync", sp => S<ServicePrincipalService>(sp).GetAsync(_servicePrincipal.Id), "carol"),
        new("ServicePrincipalService.ListResourceGroupsAsync", sp => S<ServicePrincipalService>(sp).ListResourceGroupsAsync(SpTestData.Subscription), "carol", "frank"),
        new("ServicePrincipalService.RotateAsync", sp => S<ServicePrincipalService>(sp).RotateAsync(_servicePrincipal.Id, new RotateCredentialCommand(), _servicePrincipal.Version), "carol"),
        new("UserPreferencesService.GetOpenerNotificationsAsync", sp => S<UserPreferencesService>(sp).GetOpenerNotificationsAsync(), "carol", "adam", "uma", "frank", "fiona"),
        // Each customer changes only their own preference: Uma's, by anyone but Uma, is refused.
        new("UserPreferencesService.SetOpenerNotificationsAsync", sp => S<UserPreferencesService>(sp).SetOpenerNotificationsAsync(Uma.Oid, false), "uma"),
        new("ServicePrincipalService.DeleteAsync", sp => S<ServicePrincipalService>(sp).DeleteAsync(_servicePrincipal.Id), "carol"),
        new("WebhookService.ListAsync", sp => S<WebhookService>(sp).ListAsync(), "carol", "frank"),
        new("WebhookService.CreateAsync", sp => S<WebhookService>(sp).CreateAsync(new CreateWebhookCommand("https://192.0.2.11/hook", [AuditActions.RequestDenied])), "carol", "frank"),
        new("WebhookService.RotateSecretAsync", sp => S<WebhookService>(sp).RotateSecretAsync(_webhook.Id), "carol"),
        new("WebhookService.DeleteAsync", sp => S<WebhookService>(sp).DeleteAsync(_webhook.Id), "carol"),
        new("WebhookService.DeliveriesAsync", sp => S<WebhookService>(sp).DeliveriesAsync(_webhook.Id), "carol"),
        new("WebhookService.RedeliverAsync", sp => S<WebhookService>(sp).RedeliverAsync(_webhookDelivery), "carol"),
        new("AccessTrailService.ListAsync", sp => S<AccessTrailService>(sp).ListAsync(_approved.Id), "carol", "adam", "uma", "mia"),
        new("AttestationService.GetAsync", sp => S<AttestationService>(sp).GetAsync(_ended.Id), "carol", "adam", "uma", "mia"),
        // Only the engineer who held the access attests; only the tenant's approvers review (Mia's submission is asserted in AttestationTests).
        new("AttestationService.SubmitAsync", sp => S<AttestationService>(sp).SubmitAsync(_ended.Id, new SubmitAttestationCommand("Read the logs.")), "mia"),
        new("AttestationService.AcknowledgeAsync", sp => S<AttestationService>(sp).AcknowledgeAsync(_ended.Id), "carol", "adam"),
        new("AttestationService.FlagAsync", sp => S<AttestationService>(sp).FlagAsync(_ended.Id, new FlagAttestationCommand("Follow up.")), "carol", "adam"),
        // Only the engineer the ticket is assigned to learns which policy would apply; Ravi gets not found.
        new("LockboxQueries.PreviewPolicyAsync", sp => S<LockboxQueries>(sp).PreviewPolicyAsync(Scenario.Request(_ticket.Number)), "mia"),
        new("ApprovalPolicyService.GetAsync", sp => S<ApprovalPolicyService>(sp).GetAsync(), "carol", "frank"),
        new("ApprovalPolicyService.SetTenantPolicyAsync", sp => S<ApprovalPolicyService>(sp).SetTenantPolicyAsync(new TenantPolicyCommand(1, "UTC")), "carol", "frank"),
        // Frank names Adam, who is not of his tenant: a validation answer, never a change to Contoso.
        new("ApprovalPolicyService.SaveSubscriptionAsync", sp => S<ApprovalPolicyService>(sp).SaveSubscriptionAsync(
            new SubscriptionPolicyCommand(Scenario.Subscription, "Production", null, [Adam.Oid, Carol.Oid])), "carol", "frank"),
        new("ApprovalPolicyService.SaveRuleAsync", sp => S<ApprovalPolicyService>(sp).SaveRuleAsync(
            _rule.Definition with { Name = "Incidents (edited)" }), "carol", "frank"),
        new("ApprovalPolicyService.DryRunAsync", sp => S<ApprovalPolicyService>(sp).DryRunAsync(_rule.Definition), "carol", "frank"),
        new("ApprovalPolicyService.DeleteRuleAsync", sp => S<ApprovalPolicyService>(sp).DeleteRuleAsync(_rule.RuleId), "carol"),
        new("ApprovalPolicyService.RemoveSubscriptionAsync", sp => S<ApprovalPolicyService>(sp).RemoveSubscriptionAsync(PolicySubscription), "carol"),
    ];

    /// <summary>
    /// Public service methods that are not called on behalf of a signed-in user, each with the reason. Anything else
    /// public in the Application assembly must be in <see cref="Rules"/>, so a new method that forgets to authorize
    /// fails here before it ships.
    /// </summary>
    private static readonly Dictionary<string, string> NotUserCalls = new()
    {
        ["UserProfileService.RecordSignInAsync"] = "records the sign-in that creates the user",
        ["UserProfileService.RecordRefusalAsync"] = "records a refused sign-in, before there is a user",
        ["AccessTrailService.ReportAsync"] = "called for a gateway, bound to the gateway's entitled tenants (AccessTrailTests)",
        ["NotificationComposer.AccessAnomalyAsync"] = "joins the transaction of a gateway's report",
        ["NotificationComposer.AttestationDueAsync"] = "joins the attestation sweeper's transaction",
        ["AttestationSweeper.SweepAsync"] = "a background worker acting for the clock",
        ["GrantService.CheckAccessAsync"] = "called for a gateway, which it checks against the gateway's entitled tenants (AccessCheckTests)",
        ["AuditWriter.AppendAsync"] = "joins the transaction of a change its caller already authorized",
        ["NotificationComposer.RequestFiledAsync"] = "joins the transaction of a change its caller already authorized",
        ["NotificationComposer.RequestDecidedAsync"] = "joins the transaction of a decision its caller (or the sweeper) already authorized",
        ["NotificationComposer.TicketOpenerAsync"] = "reads, for a decision its caller already authorized, whom the decision's email would tell",
        ["NotificationComposer.RequestReminderAsync"] = "joins the sweeper's transaction",
        ["NotificationComposer.LockboxSwitchedAsync"] = "joins the transaction of a change its caller already authorized",
        ["GrantIssuer.IssueAsync"] = "joins the transaction of an approval its caller already authorized",
        ["AuditVerifier.VerifyAsync"] = "the operator's CLI verb; users reach it through AuditService.VerifyAsync",
        ["AuditCheckpointer.CheckpointAsync"] = "a background worker and the operator's CLI verb",
        ["RefusalAuditor.WriteQueuedAsync"] = "a background worker",
        ["OutboxDispatcher.RunOnceAsync"] = "a background worker",
        ["WebhookTargets.ResolveAsync"] = "a check of a URL, run by WebhookService after it authorized the caller and by the delivery's connection",
        ["LifecycleSweeper.SweepAsync"] = "a background worker acting for the clock",
        ["AuditVerifier.VerifyAllAsync"] = "the operator's CLI verb over every chain",
        ["AuditRechainer.RechainAsync"] = "the start-up migration step and the operator's CLI verb",
        ["UserActionRateLimiter.AcquireAsync"] = "called by services after they identified the caller, to count the caller's own actions",
        ["InProcessRateLimitStore.HitAsync"] = "the limiter's single-instance store",
        ["InProcessEndedSessionStore.EndAsync"] = "the sign-out endpoint's single-instance store, after authentication",
        ["InProcessEndedSessionStore.IsEndedAsync"] = "the cookie validation's single-instance store",
    };

    /// <summary>Every public asynchronous method declared by a public class of the Application assembly (validators aside).</summary>
    private static IEnumerable<string> PublicServiceMethods() =>
        typeof(LockboxQueries).Assembly.GetExportedTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && !typeof(FluentValidation.IValidator).IsAssignableFrom(t))
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Where(m => typeof(Task).IsAssignableFrom(m.ReturnType)).Select(m => $"{t.Name}.{m.Name}"))
            .Distinct();

    [Fact]
    public void The_matrix_names_every_public_service_method_of_the_application()
    {
        var methods = PublicServiceMethods().ToList();
        var covered = Rules().Select(r => r.Method).Concat(NotUserCalls.Keys).ToHashSet();
        Assert.Contains("ServicePrincipalService.CreateAsync", methods);
        Assert.Contains("GrantService.GetGrantAsync", methods);
        var missing = methods.Where(m => !covered.Contains(m)).ToList();
        Assert.True(missing.Count == 0, "Public methods the matrix does not name: " + string.Join(", ", missing));
        var stale = covered.Where(m => !methods.Contains(m)).ToList();
        Assert.True(stale.Count == 0, "The matrix names methods that no longer exist: " + string.Join(", ", stale));
    }

    [Fact]
    public async Task Every_refused_persona_and_anonymous_caller_is_refused_by_every_method_and_nothing_changes()
    {
        var auditBefore = await _f.Db(db => db.AuditEntries.CountAsync());
        var outboxBefore = await _f.Db(db => db.OutboxMessages.CountAsync());
        var refusals = 0;
        foreach (var rule in Rules())
        {
            foreach (var persona in All.Where(p => !rule.Allowed.Contains(p.Key)).Cast<DemoPersona?>().Append(null))
            {
                var ex = await Record.ExceptionAsync(() => _f.As(persona, rule.Call));
                var who = persona?.Key ?? "anonymous";
                Assert.True(ex is ForbiddenAccessException or NotFoundException,
                    $"{rule.Method} by {who}: expected a refusal, got {(ex is null ? "success" : ex.GetType().Name + ": " + ex.Message)}");
                Assert.False(string.IsNullOrWhiteSpace(ex!.Message));
                if (persona is null) Assert.IsType<ForbiddenAccessException>(ex);
                refusals++;
            }
        }
        Assert.Equal(auditBefore, await _f.Db(db => db.AuditEntries.CountAsync()));
        Assert.Equal(outboxBefore, await _f.Db(db => db.OutboxMessages.CountAsync()));
        Assert.Equal(AccessRequestStatus.CustomerNotified, await _f.Db(db => db.AccessRequests.Where(r => r.Id == _pending.Id).Select(r => r.Status).SingleAsync()));
        Assert.Equal(AccessRequestStatus.Approved, await _f.Db(db => db.AccessRequests.Where(r => r.Id == _approved.Id).Select(r => r.Status).SingleAsync()));
        output.WriteLine($"{Rules().Count} methods, {refusals} refused calls, audit and outbox unchanged.");
    }

    [Fact]
    public async Task Allowed_callers_get_past_authorization()
    {
        // The other half of the matrix: an allowed caller is never refused with Forbidden (they may still get
        // a validation or conflict answer, e.g. a stale version). Run on a copy of the state per call.
        foreach (var rule in Rules().Where(r => !r.Method.Contains("Approve") && !r.Method.Contains("Deny") && !r.Method.Contains("Withdraw") && !r.Method.Contains("Revoke") && !r.Method.Contains("EndAccess")
                     && !r.Method.StartsWith("AttestationService.", StringComparison.Ordinal)))
            foreach (var key in rule.Allowed)
            {
                var ex = await Record.ExceptionAsync(() => _f.As(Find(key), rule.Call));
                Assert.False(ex is ForbiddenAccessException, $"{rule.Method} by {key} was refused: {ex?.Message}");
            }
    }
}
