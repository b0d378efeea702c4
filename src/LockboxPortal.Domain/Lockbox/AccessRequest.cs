namespace LockboxPortal.Domain.Lockbox;

/// <summary>A Customer Lockbox request: a support engineer asking for time-bound access to a tenant.</summary>
public class AccessRequest
{
    /// <summary>A detached copy (shallow: its values, not its identity), to change without touching the original.</summary>
    public AccessRequest Copy() => (AccessRequest)MemberwiseClone();

    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid TicketId { get; set; }

    /// <summary>Copied from the ticket so the blade can search without a join.</summary>
    public required string TicketNumber { get; set; }
    public Guid EngineerOid { get; set; }
    public required string EngineerName { get; set; }
    public required string EngineerEmail { get; set; }
    public required string SupportOrganization { get; set; }

    /// <summary>The engineer's home tenant (their support organization's): nobody signed in from it may decide the request.</summary>
    public Guid EngineerTenantId { get; set; }

    public AccessScopeKind ScopeKind { get; set; }
    public Guid? SubscriptionId { get; set; }

    /// <summary>Azure resource ids, newline-separated.</summary>
    public string ResourceIds { get; set; } = "";
    public required string Justification { get; set; }
    public JustificationReason Reason { get; set; }
    public int RequestedMinutes { get; set; }

    public AccessRequestStatus Status { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset PendingUntil { get; set; }

    public Guid? DecidedByOid { get; set; }
    public string? DecidedByName { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
    public string? DecisionReason { get; set; }

    public DateTimeOffset? AccessStartsAt { get; set; }
    public DateTimeOffset? AccessEndsAt { get; set; }

    /// <summary>When an approved request ended early or on time (revoked or completed), and by whom.</summary>
    public DateTimeOffset? ClosedAt { get; set; }
    public string? ClosedByName { get; set; }
    public string? ClosedReason { get; set; }

    /// <summary>Distinct approvals the request needs before access is granted (1 unless a policy says more).</summary>
    public int RequiredApprovals { get; set; } = 1;

    /// <summary>Approvals recorded so far; written with a conditional update, so two approvers never both count as the same one.</summary>
    public int ApprovalCount { get; set; }

    /// <summary>The rule (and its version) that decided the request's policy at filing; null when the default policy applied.</summary>
    public Guid? PolicyRuleId { get; set; }
    public int? PolicyRuleVersion { get; set; }

    /// <summary>The policy as it was explained at filing, e.g. "needs 2 approvals from Contoso (tenant policy)".</summary>
    public string? PolicySummary { get; set; }

    /// <summary>When the approvers are reminded of the pending deadline; null when no reminder is scheduled.</summary>
    public DateTimeOffset? ReminderDueAt { get; set; }

    /// <summary>Set once, by the conditional update that enqueues the reminder, so it is sent at most once.</summary>
    public DateTimeOffset? ReminderSentAt { get; set; }

    public IReadOnlyList<string> ResourceIdList =>
        ResourceIds.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public TimeSpan RequestedDuration => TimeSpan.FromMinutes(RequestedMinutes);

    /// <summary>
    /// The status as of <paramref name="now"/>: a pending request past its deadline is expired and an
    /// approved one past its window is completed, whether or not the sweeper has written it yet.
    /// </summary>
    public AccessRequestStatus StatusAt(DateTimeOffset now) => AccessRequestLifecycle.StatusAt(this, now);

    /// <summary>
    /// When the clock will next change this request's status, as seen at <paramref name="now"/>: its pending deadline or
    /// the end of its access; null once nothing is left for the clock to do (or it already has, unrecorded).
    /// </summary>
    public DateTimeOffset? NextDeadlineAt(DateTimeOffset now) => StatusAt(now) == Status ? AccessRequestLifecycle.DeadlineOf(this) : null;

    /// <summary>What the customer's side decided (Approved or Denied), whatever happened after; null while undecided.</summary>
    public AccessRequestStatus? Decision => DecidedAt is null ? null
        : AccessStartsAt is null ? AccessRequestStatus.Denied : AccessRequestStatus.Approved;

    /// <summary>Approved by the portal itself (the customer had Lockbox off, or one of their rules approved it): the only decision without a person.</summary>
    public bool ApprovedAutomatically => DecidedAt is not null && DecidedByOid is null;

    /// <summary>
    /// Files a new request: it waits for the customer's approvers (as many as <paramref name="policy"/> requires), or,
    /// with Lockbox off or a rule that approves it, is approved on the record at once.
    /// </summary>
    public void Open(bool lockboxEnabled, DateTimeOffset now, TimeSpan pendingDeadline, TimeSpan duration, PolicyDecision? policy = null, string? tenantName = null)
    {
        CreatedAt = now;
        PendingUntil = now + pendingDeadline;
        RequestedMinutes = (int)Math.Ceiling(duration.TotalMinutes);
        var byRule = lockboxEnabled && policy is { ApproveAutomatically: true };
        Status = AccessRequestLifecycle.InitialStatus(lockboxEnabled, byRule);
        RequiredApprovals = policy is { ApproveAutomatically: false } ? Math.Max(1, policy.RequiredApprovals) : 1;
        if (lockboxEnabled && policy is not null)
            (PolicyRuleId, PolicyRuleVersion, PolicySummary) = (policy.RuleId, policy.RuleVersion, policy.Describe(tenantName ?? "the customer"));
        if (Status == AccessRequestStatus.Approved)
        {
            var reason = byRule ? AutoApprovedByRuleReason(policy!) : LockboxNotEnabledReason;
            (DecidedAt, DecidedByName, DecisionReason, AccessStartsAt, AccessEndsAt) = (now, SystemActor, reason, now, now + duration);
        }
    }

    public static string AutoApprovedByRuleReason(PolicyDecision policy) => $"Approved by rule {policy.RuleName} v{policy.RuleVersion}";

    /// <summary>
    /// Counts one more distinct approval; when that reaches the quorum the request is approved for
    /// <paramref name="duration"/>, otherwise it keeps waiting. Returns whether this approval granted access.
    /// </summary>
    public bool RecordApproval(Guid byOid, string byName, DateTimeOffset now, TimeSpan duration, string? comment)
    {
        if (!this.Allows(LifecycleEvent.Approve, now))
            throw new LifecycleException($"A request that is {StatusAt(now).Display()} cannot be approved.");
        ApprovalCount++;
        if (!ApprovalQuorum.IsReached(ApprovalCount, RequiredApprovals)) return false;
        Approve(byOid, byName, now, duration, comment);
        return true;
    }

    /// <summary>"1 of 2 approvals" while a multi-party request waits; null for a request that needs one.</summary>
    public string? ApprovalProgress => RequiredApprovals > 1 ? ApprovalQuorum.Progress(ApprovalCount, RequiredApprovals) : null;

    public void Approve(Guid byOid, string byName, DateTimeOffset now, TimeSpan duration, string? comment)
    {
        AccessRequestLifecycle.Move(this, LifecycleEvent.Approve, now);
        (DecidedAt, DecidedByOid, DecidedByName, DecisionReason, AccessStartsAt, AccessEndsAt) = (now, byOid, byName, comment, now, now + duration);
    }

    public void Deny(Guid byOid, string byName, DateTimeOffset now, string reason)
    {
        AccessRequestLifecycle.Move(this, LifecycleEvent.Deny, now);
        (DecidedAt, DecidedByOid, DecidedByName, DecisionReason) = (now, byOid, byName, reason);
    }

    public void Withdraw(string byName, DateTimeOffset now)
    {
        AccessRequestLifecycle.Move(this, LifecycleEvent.Withdraw, now);
        (ClosedAt, ClosedByName) = (now, byName);
    }

    /// <summary>Ends approved access now; the window closes with it, so every check after this refuses the grant.</summary>
    public void Revoke(string byName, DateTimeOffset now, string? reason)
    {
        AccessRequestLifecycle.Move(this, LifecycleEvent.Revoke, now);
        (ClosedAt, ClosedByName, ClosedReason, AccessEndsAt) = (now, byName, reason, now);
    }

    /// <summary>The engineer ends the access early; like a revocation the window closes with it, but it completes: nobody cut it short.</summary>
    public void EndAccess(string byName, DateTimeOffset now)
    {
        AccessRequestLifecycle.Move(this, LifecycleEvent.End, now);
        (ClosedAt, ClosedByName, AccessEndsAt) = (now, byName, now);
    }

    /// <summary>The pending deadline passed without a decision: closed by the clock when the deadline passed.</summary>
    public void Expire(DateTimeOffset now)
    {
        AccessRequestLifecycle.Move(this, LifecycleEvent.Expire, now);
        (ClosedAt, ClosedByName) = (PendingUntil, SystemActor);
    }

    /// <summary>The access window ended: closed by the clock when it ended.</summary>
    public void Complete(DateTimeOffset now)
    {
        AccessRequestLifecycle.Move(this, LifecycleEvent.Complete, now);
        (ClosedAt, ClosedByName) = (AccessEndsAt, SystemActor);
    }

    /// <summary>The actor the clock and the portal act as.</summary>
    public const string SystemActor = "System";

    public const string LockboxNotEnabledReason = "Lockbox not enabled";
}
