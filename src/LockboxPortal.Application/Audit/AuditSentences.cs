using System.Globalization;
using System.Text.Json;
using LockboxPortal.Domain.Audit;

namespace LockboxPortal.Application.Audit;

/// <summary>
/// The one place that puts audit entries into words: readable action names for filters and columns, and a
/// sentence per entry ("Carol Diaz rotated the secret of service principal aro-sp"). The audit page and a
/// request's timeline both use it, so an action reads the same everywhere; the CSV export keeps the raw values.
/// </summary>
public static class AuditSentences
{
    private static readonly Dictionary<string, string> Names = new(StringComparer.Ordinal)
    {
        [AuditActions.RequestFiled] = "Access requested",
        [AuditActions.RequestApproved] = "Access approved",
        [AuditActions.RequestAutoApproved] = "Access approved automatically",
        [AuditActions.RequestDenied] = "Access denied",
        [AuditActions.RequestWithdrawn] = "Request withdrawn",
        [AuditActions.RequestExpired] = "Request expired",
        [AuditActions.RequestCompleted] = "Access ended",
        [AuditActions.RequestRevoked] = "Access revoked",
        [AuditActions.TicketOpened] = "Ticket opened",
        [AuditActions.LockboxSwitched] = "Lockbox switched on or off",
        [AuditActions.NotificationSettingsChanged] = "Notification settings changed",
        [AuditActions.NotificationRetried] = "Email sent again",
        [AuditActions.AuthorizationRefused] = "Attempt refused",
        [AuditActions.SignInRefused] = "Sign-in refused",
        [AuditActions.GrantIssued] = "Access grant signed",
        [AuditActions.SigningKeyRotated] = "Signing key rotated",
        [AuditActions.ServicePrincipalCreated] = "Service principal created",
        [AuditActions.ServicePrincipalRotated] = "Service principal secret rotated",
        [AuditActions.ServicePrincipalDeleted] = "Service principal deleted",
        [AuditActions.AuditChainsSplit] = "Audit log split per tenant",
        [AuditActions.TenantOnboarded] = "Tenant set up",
        [AuditActions.WebhookCreated] = "Webhook added",
        [AuditActions.WebhookSecretRotated] = "Webhook secret rotated",
        [AuditActions.WebhookDeleted] = "Webhook deleted",
        [AuditActions.WebhookRedelivered] = "Webhook event sent again",
        [AuditActions.RequestEnded] = "Access ended by the engineer",
        [AuditActions.AccessAnomaly] = "Unexpected use of access",
        [AuditActions.AttestationRequested] = "Account of work requested",
        [AuditActions.AttestationSubmitted] = "Account of work given",
        [AuditActions.AttestationAcknowledged] = "Account of work acknowledged",
        [AuditActions.AttestationFlagged] = "Account of work flagged for follow-up",
        [AuditActions.RequestApprovalRecorded] = "Approval recorded (more needed)",
        [AuditActions.ApprovalPolicyChanged] = "Approval policy changed",
        [AuditActions.SubscriptionApproversChanged] = "Subscription approvers changed",
        [AuditActions.SubscriptionApproversRemoved] = "Subscription approvers removed",
        [AuditActions.ApprovalRuleSaved] = "Approval rule saved",
        [AuditActions.ApprovalRuleDeleted] = "Approval rule deleted",
    };

    /// <summary>The readable name of an action; an action this version does not know keeps its raw name.</summary>
    public static string ActionName(string action) => Names.GetValueOrDefault(action, action);

    /// <summary>One sentence naming who did what to what, with the names the entry (or its target) carries.</summary>
    public static string Describe(AuditEntryDto e)
    {
        var d = Details.Parse(e.Details);
        var actor = string.IsNullOrWhiteSpace(e.Actor) ? "Someone" : e.Actor;
        var subject = e.TargetName ?? Fallback(e.Target);
        return e.Action switch
        {
            AuditActions.RequestFiled => $"{actor} requested access{Ticket(d.Text("ticket"), subject)}{For(d.Int("requestedMinutes"))}",
            AuditActions.RequestApproved => $"{actor} approved {subject}{For(d.Int("grantedMinutes"))}{Because(d.Text("comment"))}",
            AuditActions.RequestAutoApproved => $"{subject} was approved automatically{Because(d.Text("reason"))}",
            AuditActions.RequestDenied => $"{actor} denied {subject}{Because(d.Text("reason"))}",
            AuditActions.RequestWithdrawn => $"{actor} withdrew {subject}",
            AuditActions.RequestExpired => $"{Capital(subject)} expired without a decision",
            AuditActions.RequestCompleted => $"{Capital(subject)} ended when its access window closed",
            AuditActions.RequestRevoked => $"{actor} revoked {subject}{Because(d.Text("reason"))}",
            AuditActions.GrantIssued => $"A signed access grant was issued for {subject}",
            AuditActions.TicketOpened => $"{actor} opened {subject}",
            AuditActions.LockboxSwitched => $"{actor} switched Lockbox {(d.Bool("enabled") == true ? "on" : "off")} for {subject}",
            AuditActions.NotificationSettingsChanged => $"{actor} changed the alternate notification emails of {subject}",
            AuditActions.NotificationRetried => $"{actor} sent a failed email again",
            AuditActions.AuthorizationRefused => $"{actor} was refused: {d.Text("operation") ?? e.Target}",
            AuditActions.SignInRefused => $"A sign-in by {actor} was refused{Because(d.Text("reason"))}",
            AuditActions.SigningKeyRotated => $"{actor} rotated the grant signing key",
            AuditActions.ServicePrincipalCreated => $"{actor} created service principal {d.Text("displayName") ?? subject}",
            AuditActions.ServicePrincipalRotated => $"{actor} rotated the secret of service principal {subject}",
            AuditActions.ServicePrincipalDeleted => $"{actor} deleted service principal {d.Text("displayName") ?? subject}",
            AuditActions.AuditChainsSplit => "The audit log was split into one chain per tenant",
            AuditActions.TenantOnboarded => $"{Capital(subject)} was set up in the portal",
            AuditActions.WebhookCreated => $"{actor} added a webhook to {d.Text("url") ?? e.Target}",
            AuditActions.WebhookSecretRotated => $"{actor} rotated the secret of the webhook to {d.Text("url") ?? e.Target}",
            AuditActions.WebhookDeleted => $"{actor} deleted the webhook to {d.Text("url") ?? e.Target}",
            AuditActions.WebhookRedelivered => $"{actor} sent a webhook event again",
            AuditActions.RequestEnded => $"{actor} ended the access of {subject} before its window closed",
            AuditActions.AccessAnomaly => $"{actor} reported a use of {subject} {d.Text("anomaly") ?? "outside its grant"}: {d.Text("action")} on {d.Text("resourceId")}",
            AuditActions.AttestationRequested => $"The engineer was asked for an account of the work done under {subject}",
            AuditActions.AttestationSubmitted => $"{actor} gave an account of the work done under {subject}",
            AuditActions.AttestationAcknowledged => $"{actor} acknowledged the account of the work done under {subject}",
            AuditActions.AttestationFlagged => $"{actor} flagged the account of the work done under {subject} for follow-up{Because(d.Text("note"))}",
            AuditActions.RequestApprovalRecorded => $"{actor} approved {subject} ({d.Int("approvals")} of {d.Int("requiredApprovals")} approvals){Because(d.Text("comment"))}",
            AuditActions.ApprovalPolicyChanged => $"{actor} set the approval policy of {subject} to {d.Int("requiredApprovals")} approval(s), time zone {d.Text("timeZone")}",
            AuditActions.SubscriptionApproversChanged => $"{actor} set the approvers of subscription {d.Text("name") ?? e.Target}",
            AuditActions.SubscriptionApproversRemoved => $"{actor} removed the approvers of subscription {d.Text("name") ?? e.Target}",
            AuditActions.ApprovalRuleSaved => $"{actor} saved approval rule {d.Text("name")} v{d.Int("version")}",
            AuditActions.ApprovalRuleDeleted => $"{actor} deleted approval rule {d.Text("name")} v{d.Int("version")}",
            _ => $"{actor}: {ActionName(e.Action)} on {e.Target}",
        };
    }

    /// <summary>A target with no name known: its kind in words (the raw id stays in the details).</summary>
    private static string Fallback(string target)
    {
        var slash = target.IndexOf('/');
        var kind = slash < 0 ? target : target[..slash];
        var id = slash < 0 ? "" : target[(slash + 1)..];
        return kind switch
        {
            "access-request" => Guid.TryParse(id, out var g) ? $"access request {g.ToString()[..8]}" : "an access request",
            "service-principal" => "a service principal",
            "ticket" => $"ticket {id}",
            "tenant" => "the tenant",
            _ => target,
        };
    }

    private static string Ticket(string? ticket, string subject) => ticket is null ? $" ({subject})" : $" for ticket {ticket}";
    private static string For(int? minutes) => minutes is > 0 and var m ? $" for {Hours(m)}" : "";
    private static string Because(string? reason) => string.IsNullOrWhiteSpace(reason) ? "" : $": “{reason}”";
    private static string Capital(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    private static string Hours(int minutes) => minutes % 60 == 0
        ? $"{minutes / 60} h"
        : (minutes / 60.0).ToString("0.#", CultureInfo.InvariantCulture) + " h";

    /// <summary>The few fields a sentence reads from canonical JSON details; details that are not an object read as empty.</summary>
    private readonly struct Details(JsonElement root)
    {
        public static Details Parse(string json)
        {
            try
            {
                using var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "{}" : json);
                return new Details(doc.RootElement.ValueKind == JsonValueKind.Object ? doc.RootElement.Clone() : default);
            }
            catch (JsonException)
            {
                return new Details(default);
            }
        }

        private JsonElement? Get(string name) =>
            root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

        public string? Text(string name) => Get(name) is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;
        public int? Int(string name) => Get(name) is { ValueKind: JsonValueKind.Number } v && v.TryGetInt32(out var i) ? i : null;
        public bool? Bool(string name) => Get(name) is { ValueKind: JsonValueKind.True or JsonValueKind.False } v ? v.GetBoolean() : null;
    }
}
