using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Notifications;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Application.Security;
using LockboxPortal.Domain;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Tenants;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Application.Administration;

/// <summary>
/// Approval policies in the Administration module: the tenant's quorum, subscription approvers, and the ordered,
/// versioned auto-approval rules with their dry run. Global Administrators of a tenant only, of their own tenant;
/// every change is audited in the same transaction. Bad input is refused with a message and changes nothing.
/// </summary>
public sealed class ApprovalPolicyService(
    ILockboxDbContextFactory dbFactory,
    ICurrentUser currentUser,
    TimeProvider time,
    AuditWriter audit,
    IPortalEvents events,
    IOptionsMonitor<SupportOrganizationsOptions> organizations,
    IOptionsMonitor<LockboxOptions> lockboxOptions)
{
    public const int DryRunDays = 30;
    public const int DryRunLimit = 5000;
    public const int MaxRules = 50;
    public const int MaxSubscriptions = 200;
    private const int Examples = 5;

    public async Task<ApprovalPolicySettingsDto> GetAsync(CancellationToken ct = default)
    {
        var user = currentUser.RequireGlobalAdministrator();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var tenant = await TenantAsync(db, user, ct);
        var candidates = await db.UserProfiles.AsNoTracking().Where(u => u.TenantId == user.TenantId)
            .OrderBy(u => u.DisplayName)
            .Select(u => new ApproverCandidateDto(u.Oid, u.DisplayName, u.Email, u.IsGlobalAdministrator || u.IsApprover)).ToListAsync(ct);
        var subscriptions = await db.TenantSubscriptions.AsNoTracking().Where(s => s.TenantId == user.TenantId).OrderBy(s => s.DisplayName).ToListAsync(ct);
        var approvers = await db.SubscriptionApprovers.AsNoTracking().Where(a => a.TenantId == user.TenantId).ToListAsync(ct);
        var rules = await db.ApprovalRules.AsNoTracking().Where(r => r.TenantId == user.TenantId && r.IsCurrent).ToListAsync(ct);
        var zone = ApprovalPolicies.TimeZoneOf(tenant.TimeZoneId);
        return new ApprovalPolicySettingsDto(
            tenant.DisplayName, tenant.RequiredApprovals, tenant.TimeZoneId,
            subscriptions.Select(s => new SubscriptionPolicyDto(s.SubscriptionId, s.DisplayName, s.RequiredApprovals,
                approvers.Where(a => a.SubscriptionId == s.SubscriptionId).OrderBy(a => a.ApproverName)
                    .Select(a => new ApproverCandidateDto(a.ApproverOid, a.ApproverName, a.ApproverEmail, false)).ToList())).ToList(),
            new ApprovalPolicy(rules, tenant.RequiredApprovals, new Dictionary<Guid, int>(), zone).Rules
                .Select(r => ToDto(r, subscriptions)).ToList(),
            candidates,
            organizations.CurrentValue.Organizations.Select(o => o.Name).ToList(),
            organizations.CurrentValue.AllProducts.ToList());
    }

    public async Task<ApprovalPolicySettingsDto> SetTenantPolicyAsync(TenantPolicyCommand cmd, CancellationToken ct = default)
    {
        var user = currentUser.RequireGlobalAdministrator();
        var zoneId = (cmd.TimeZoneId ?? "").Trim();
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(zoneId, out _))
            throw new InputValidationException(nameof(cmd.TimeZoneId), $"'{LogText.Neutralise(zoneId, 60)}' is not a time zone this server knows; use an IANA id such as Europe/Berlin or UTC.");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await RequireEnoughApproversAsync(db, user.TenantId, null, cmd.RequiredApprovals, nameof(cmd.RequiredApprovals), ct);
        await db.InTransactionAsync(async token =>
        {
            var tenant = await db.Tenants.SingleOrDefaultAsync(t => t.Id == user.TenantId, token) ?? throw TenantNotRegistered();
            tenant.RequiredApprovals = cmd.RequiredApprovals;
            tenant.TimeZoneId = zoneId;
            tenant.Version = Guid.NewGuid();
            await audit.AppendAsync(db, new AuditRecord(AuditActions.ApprovalPolicyChanged, $"tenant/{tenant.Id}", user.Name, user.Oid, tenant.Id,
                new Dictionary<string, object?> { ["requiredApprovals"] = cmd.RequiredApprovals, ["timeZone"] = zoneId }), token);
            return 0;
        }, ct);
        events.Publish(new TenantSettingsChanged(user.TenantId));
        return await GetAsync(ct);
    }

    /// <summary>Adds or replaces a subscription's approvers and quorum. Approvers are users of the tenant known from sign-in.</summary>
    public async Task<ApprovalPolicySettingsDto> SaveSubscriptionAsync(SubscriptionPolicyCommand cmd, CancellationToken ct = default)
    {
        var user = currentUser.RequireGlobalAdministrator();
        if (!Guid.TryParse(cmd.SubscriptionId?.Trim(), out var subscriptionId))
            throw new InputValidationException(nameof(cmd.SubscriptionId), "Enter the subscription id (a GUID such as 00000000-0000-0000-0000-000000000000).");
        var name = (cmd.DisplayName ?? "").Trim();
        if (Validation.VisibleLength(name) is < 1 or > 100 || Validation.HasAnyControlCharacter(name))
            throw new InputValidationException(nameof(cmd.DisplayName), "Give the subscription a name of 1 to 100 characters, e.g. Production.");
        var oids = (cmd.ApproverOids ?? []).Distinct().ToList();
        if (oids.Count == 0)
            throw new InputValidationException(nameof(cmd.ApproverOids), "Choose at least one approver for the subscription.");

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var people = await db.UserProfiles.AsNoTracking().Where(u => u.TenantId == user.TenantId && oids.Contains(u.Oid)).ToListAsync(ct);
        if (people.Count != oids.Count)
            throw new InputValidationException(nameof(cmd.ApproverOids), "Every approver must be a user of your tenant who has signed in to the portal.");
        if (cmd.RequiredApprovals is { } n)
        {
            if (n < 1 || n > ApprovalQuorum.MaxRequiredApprovals)
                throw new InputValidationException(nameof(cmd.RequiredApprovals), $"Require between 1 and {ApprovalQuorum.MaxRequiredApprovals} approvals, or leave it empty for the tenant's.");
            var tenantApprovers = await TenantApproversAsync(db, user.TenantId, ct);
            var eligible = tenantApprovers.Union(oids).Count();
            if (n > eligible)
                throw new InputValidationException(nameof(cmd.RequiredApprovals),
                    $"Only {eligible} people could approve requests for this subscription (its approvers and the tenant's); require at most {eligible} or assign more approvers.");
        }
        var existing = await db.TenantSubscriptions.AsNoTracking().CountAsync(s => s.TenantId == user.TenantId && s.SubscriptionId != subscriptionId, ct);
        if (existing >= MaxSubscriptions)
            throw new InputValidationException(nameof(cmd.SubscriptionId), $"A tenant can have at most {MaxSubscriptions} subscriptions with their own approvers.");

        try
        {
            await db.InTransactionAsync(async token =>
            {
                var row = await db.TenantSubscriptions.SingleOrDefaultAsync(s => s.TenantId == user.TenantId && s.SubscriptionId == subscriptionId, token);
                if (row is null) db.TenantSubscriptions.Add(row = new TenantSubscription { TenantId = user.TenantId, SubscriptionId = subscriptionId, DisplayName = name });
                row.DisplayName = name;
                row.RequiredApprovals = cmd.RequiredApprovals;
                await db.SubscriptionApprovers.Where(a => a.TenantId == user.TenantId && a.SubscriptionId == subscriptionId).ExecuteDeleteAsync(token);
                foreach (var p in people)
                    db.SubscriptionApprovers.Add(new SubscriptionApprover
                    {
                        TenantId = user.TenantId, SubscriptionId = subscriptionId, ApproverOid = p.Oid, ApproverName = p.DisplayName, ApproverEmail = p.Email,
                    });
                await audit.AppendAsync(db, new AuditRecord(AuditActions.SubscriptionApproversChanged, $"subscription/{subscriptionId}", user.Name, user.Oid, user.TenantId,
                    new Dictionary<string, object?>
                    {
                        ["name"] = name,
                        ["requiredApprovals"] = cmd.RequiredApprovals,
                        ["approvers"] = people.Select(p => p.DisplayName).Order().ToList(),
                    }), token);
                return 0;
            }, ct);
        }
        catch (DbUpdateException ex) when (db.IsUniqueConstraintViolation(ex))
        {
            throw new ConflictException("Another Global Administrator saved this subscription at the same moment; reload to see their settings.");
        }
        events.Publish(new TenantSettingsChanged(user.TenantId));
        return await GetAsync(ct);
    }

    public async Task<ApprovalPolicySettingsDto> RemoveSubscriptionAsync(Guid subscriptionId, CancellationToken ct = default)
    {
        var user = currentUser.RequireGlobalAdministrator();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.TenantSubscriptions.AsNoTracking().SingleOrDefaultAsync(s => s.TenantId == user.TenantId && s.SubscriptionId == subscriptionId, ct)
            ?? throw new NotFoundException("No such subscription in your tenant's approval policy.");
        var usedBy = await db.ApprovalRules.AsNoTracking().Where(r => r.TenantId == user.TenantId && r.IsCurrent && r.SubscriptionId == subscriptionId).Select(r => r.Name).ToListAsync(ct);
        if (usedBy.Count > 0)
            throw new InputValidationException(nameof(subscriptionId), $"Rule {string.Join(", ", usedBy)} tests this subscription; change or delete the rule first.");
        await db.InTransactionAsync(async token =>
        {
            await db.SubscriptionApprovers.Where(a => a.TenantId == user.TenantId && a.SubscriptionId == subscriptionId).ExecuteDeleteAsync(token);
            await db.TenantSubscriptions.Where(s => s.TenantId == user.TenantId && s.SubscriptionId == subscriptionId).ExecuteDeleteAsync(token);
            await audit.AppendAsync(db, new AuditRecord(AuditActions.SubscriptionApproversRemoved, $"subscription/{subscriptionId}", user.Name, user.Oid, user.TenantId,
                new Dictionary<string, object?> { ["name"] = row.DisplayName }), token);
            return 0;
        }, ct);
        events.Publish(new TenantSettingsChanged(user.TenantId));
        return await GetAsync(ct);
    }

    /// <summary>Adds a rule (version 1) or, for an existing rule, writes its next version and retires the current one.</summary>
    public async Task<ApprovalRuleDto> SaveRuleAsync(ApprovalRuleCommand cmd, CancellationToken ct = default)
    {
        var user = currentUser.RequireGlobalAdministrator();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rule = await ValidatedRuleAsync(db, user, cmd, ct);
        ApprovalRule saved;
        try
        {
            saved = await db.InTransactionAsync(async token =>
            {
                var current = cmd.RuleId is { } id
                    ? await db.ApprovalRules.SingleOrDefaultAsync(r => r.TenantId == user.TenantId && r.RuleId == id && r.IsCurrent, token) ?? throw RuleNotFound()
                    : null;
                if (current is not null && cmd.ExpectedVersion is { } expected && current.Version != expected)
                    throw new ConflictException($"{current.CreatedByName} saved rule {current.Name} as v{current.Version} since you opened v{expected}; reload to see it.");
                if (current is null && await db.ApprovalRules.CountAsync(r => r.TenantId == user.TenantId && r.IsCurrent, token) >= MaxRules)
                    throw new InputValidationException(nameof(cmd.Name), $"A tenant can have at most {MaxRules} rules; delete one first.");
                var next = rule;
                next.Id = RowIds.New();
                next.RuleId = current?.RuleId ?? Guid.NewGuid();
                next.Version = (current?.Version ?? 0) + 1;
                next.IsCurrent = true;
                next.CreatedAt = time.GetUtcNow();
                if (current is not null) current.IsCurrent = false;
                db.ApprovalRules.Add(next);
                await audit.AppendAsync(db, new AuditRecord(AuditActions.ApprovalRuleSaved, $"approval-rule/{next.RuleId}", user.Name, user.Oid, user.TenantId,
                    new Dictionary<string, object?>
                    {
                        ["name"] = next.Name,
                        ["version"] = next.Version,
                        ["position"] = next.Position,
                        ["conditions"] = Conditions(next, null),
                        ["outcome"] = Outcome(next),
                    }), token);
                return next;
            }, ct);
        }
        catch (DbUpdateException ex) when (db.IsUniqueConstraintViolation(ex))
        {
            // Two editors wrote the same next version at once (RuleId, Version is unique): the other one won.
            throw new ConflictException("Someone saved this rule at the same moment; reload to see their version.");
        }
        events.Publish(new TenantSettingsChanged(user.TenantId));
        var subscriptions = await db.TenantSubscriptions.AsNoTracking().Where(s => s.TenantId == user.TenantId).ToListAsync(ct);
        return ToDto(saved, subscriptions);
    }

    public async Task DeleteRuleAsync(Guid ruleId, CancellationToken ct = default)
    {
        var user = currentUser.RequireGlobalAdministrator();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.InTransactionAsync(async token =>
        {
            var current = await db.ApprovalRules.SingleOrDefaultAsync(r => r.TenantId == user.TenantId && r.RuleId == ruleId && r.IsCurrent, token) ?? throw RuleNotFound();
            current.IsCurrent = false;
            await audit.AppendAsync(db, new AuditRecord(AuditActions.ApprovalRuleDeleted, $"approval-rule/{ruleId}", user.Name, user.Oid, user.TenantId,
                new Dictionary<string, object?> { ["name"] = current.Name, ["version"] = current.Version }), token);
            return 0;
        }, ct);
        events.Publish(new TenantSettingsChanged(user.TenantId));
    }

    /// <summary>
    /// What the rule, in its place among the current rules (replacing its own current version), would have decided for
    /// the tenant's requests of the last <see cref="DryRunDays"/> days: the same evaluator filing uses. Saves nothing.
    /// </summary>
    public async Task<DryRunResult> DryRunAsync(ApprovalRuleCommand cmd, CancellationToken ct = default)
    {
        var user = currentUser.RequireGlobalAdministrator();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var draft = await ValidatedRuleAsync(db, user, cmd, ct);
        var tenant = await TenantAsync(db, user, ct);
        draft.RuleId = cmd.RuleId ?? Guid.NewGuid();
        draft.Version = cmd.RuleId is { } id
            ? (await db.ApprovalRules.AsNoTracking().Where(r => r.RuleId == id && r.TenantId == user.TenantId).MaxAsync(r => (int?)r.Version, ct) ?? 0) + 1
            : 1;
        draft.CreatedAt = time.GetUtcNow();
        var policy = await ApprovalPolicies.LoadAsync(db, tenant, ct, rules => [.. rules.Where(r => r.RuleId != draft.RuleId), draft]);

        var since = time.GetUtcNow() - TimeSpan.FromDays(DryRunDays);
        var rows = await (from r in db.AccessRequests.AsNoTracking()
                          join t in db.SupportTickets.AsNoTracking() on r.TicketId equals t.Id
                          where r.TenantId == user.TenantId && r.CreatedAt >= since
                          orderby r.CreatedAt descending, r.Id descending
                          select new { Request = r, Ticket = t }).Take(DryRunLimit).ToListAsync(ct);

        var outcomes = new Dictionary<string, int>();
        var examples = new List<DryRunExample>();
        var matched = 0;
        foreach (var row in rows)
        {
            var r = row.Request;
            var decision = policy.Evaluate(ApprovalPolicies.Facts(row.Ticket, r.SupportOrganization, r.ScopeKind, r.SubscriptionId, r.RequestedDuration, r.CreatedAt, r.Reason));
            var byDraft = decision.RuleId == draft.RuleId;
            if (byDraft) matched++;
            var outcome = (byDraft ? "By this rule: " : "") + (decision.ApproveAutomatically
                ? byDraft ? "approved automatically" : $"approved automatically by {decision.Source}"
                : $"needs {decision.RequiredApprovals} approval{(decision.RequiredApprovals == 1 ? "" : "s")}{(byDraft ? "" : $" ({decision.Source})")}");
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            if (byDraft && examples.Count < Examples)
                examples.Add(new DryRunExample(r.Id, r.TicketNumber, r.EngineerName, r.SupportOrganization, r.CreatedAt, r.Reason.Display(),
                    WhatHappened(r), decision.Describe(tenant.DisplayName)));
        }
        return new DryRunResult(DryRunDays, rows.Count, matched,
            outcomes.OrderByDescending(o => o.Value).ThenBy(o => o.Key).Select(o => new DryRunOutcome(o.Key, o.Value)).ToList(), examples);
    }

    private static string WhatHappened(AccessRequest r) => r.Decision switch
    {
        AccessRequestStatus.Approved when r.ApprovedAutomatically => "approved automatically",
        AccessRequestStatus.Approved => $"approved by {r.DecidedByName}",
        AccessRequestStatus.Denied => $"denied by {r.DecidedByName}",
        _ => r.Status.Display().ToLowerInvariant(),
    };

    /// <summary>Checks a rule as a Global Administrator wrote it and builds it (unsaved), or refuses it with a message per field.</summary>
    private async Task<ApprovalRule> ValidatedRuleAsync(ILockboxDbContext db, PortalUser user, ApprovalRuleCommand cmd, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        void Error(string field, string message) => errors[field] = [message];

        var name = (cmd.Name ?? "").Trim();
        if (Validation.VisibleLength(name) is < 1 or > 100 || Validation.HasAnyControlCharacter(name))
            Error(nameof(cmd.Name), "Give the rule a name of 1 to 100 characters, e.g. \"Sev A incidents on weekdays\".");
        if (cmd.Position is < 0 or > 1000)
            Error(nameof(cmd.Position), "Give the rule an order between 0 and 1000; lower runs first.");
        if (!Enum.IsDefined(cmd.Action))
            Error(nameof(cmd.Action), "Choose what the rule does: approve automatically or require approvals.");

        var orgs = organizations.CurrentValue;
        var organization = string.IsNullOrWhiteSpace(cmd.SupportOrganization) ? null : orgs.ByName(cmd.SupportOrganization.Trim())?.Name;
        if (!string.IsNullOrWhiteSpace(cmd.SupportOrganization) && organization is null)
            Error(nameof(cmd.SupportOrganization), $"Choose one of the support organizations: {string.Join(", ", orgs.Organizations.Select(o => o.Name))}.");
        var product = string.IsNullOrWhiteSpace(cmd.Product) ? null : orgs.AllProducts.FirstOrDefault(p => string.Equals(p, cmd.Product.Trim(), StringComparison.OrdinalIgnoreCase));
        if (!string.IsNullOrWhiteSpace(cmd.Product) && product is null)
            Error(nameof(cmd.Product), $"Choose one of the products: {string.Join(", ", orgs.AllProducts)}.");

        Guid? subscription = null;
        if (!string.IsNullOrWhiteSpace(cmd.SubscriptionId))
        {
            if (!Guid.TryParse(cmd.SubscriptionId.Trim(), out var s))
                Error(nameof(cmd.SubscriptionId), "Enter the subscription id (a GUID such as 00000000-0000-0000-0000-000000000000).");
            else if (!await db.TenantSubscriptions.AsNoTracking().AnyAsync(x => x.TenantId == user.TenantId && x.SubscriptionId == s, ct))
                Error(nameof(cmd.SubscriptionId), $"Subscription {s} is not one of your tenant's subscriptions; add it under Subscription approvers first.");
            else subscription = s;
            if (cmd.ScopeKind == AccessScopeKind.Tenant)
                Error(nameof(cmd.ScopeKind), "A tenant-wide request has no subscription: test the scope kind or a subscription, not both.");
        }
        if (cmd.ScopeKind is { } kind && !Enum.IsDefined(kind)) Error(nameof(cmd.ScopeKind), "Choose the tenant or a subscription as the scope.");

        var bounds = lockboxOptions.CurrentValue;
        if (cmd.MaxDuration is { } max && (max < bounds.MinAccessDuration || max > bounds.MaxAccessDuration))
            Error(nameof(cmd.MaxDuration), $"Choose a maximum duration between {FileAccessRequestValidator.Hours(bounds.MinAccessDuration)} and {FileAccessRequestValidator.Hours(bounds.MaxAccessDuration)}.");

        int? days = null;
        if (cmd.Weekdays is { } weekdays)
        {
            if (weekdays.Count == 0 || weekdays.Any(d => !Enum.IsDefined(d))) Error(nameof(cmd.Weekdays), "Pick at least one weekday, or clear the weekday condition.");
            else days = weekdays.Aggregate(0, (mask, d) => mask | ApprovalRule.DayBit(d));
        }
        if (cmd.WindowStart is null != cmd.WindowEnd is null)
            Error(nameof(cmd.WindowEnd), "Give the time window both a start and an end, or neither.");
        else if (cmd.WindowStart is { } start && cmd.WindowEnd is { } end && end <= start)
            Error(nameof(cmd.WindowEnd), $"The window must end after it starts ({start:HH\\:mm} to {end:HH\\:mm} is empty or runs backwards); for a window across midnight make two rules.");
        if (cmd.Severity is { } sev && !Enum.IsDefined(sev)) Error(nameof(cmd.Severity), "Choose severity A, B or C.");
        if (cmd.Reason is { } reason && !Enum.IsDefined(reason)) Error(nameof(cmd.Reason), "Choose one of the justification reasons.");

        var rule = new ApprovalRule
        {
            TenantId = user.TenantId, Name = name, Position = cmd.Position, Action = cmd.Action,
            RequiredApprovals = cmd.Action == ApprovalRuleAction.RequireApprovals ? cmd.RequiredApprovals : 1,
            SupportOrganization = organization, Product = product, ScopeKind = cmd.ScopeKind, SubscriptionId = subscription,
            MaxDurationMinutes = cmd.MaxDuration is { } m ? (int)Math.Ceiling(m.TotalMinutes) : null, Weekdays = days,
            WindowStartMinute = cmd.WindowStart is { } ws ? ws.Hour * 60 + ws.Minute : null,
            WindowEndMinute = cmd.WindowEnd is { } we ? we.Hour * 60 + we.Minute : null,
            Severity = cmd.Severity, Reason = cmd.Reason,
            CreatedByOid = user.Oid, CreatedByName = user.Name,
        };
        if (!rule.HasCondition && !errors.ContainsKey(nameof(cmd.SubscriptionId)))
            Error("Conditions", "A rule needs at least one condition. To change what every request needs, set the tenant policy instead.");

        if (cmd.Action == ApprovalRuleAction.RequireApprovals)
        {
            if (cmd.RequiredApprovals < 1 || cmd.RequiredApprovals > ApprovalQuorum.MaxRequiredApprovals)
                Error(nameof(cmd.RequiredApprovals), $"Require between 1 and {ApprovalQuorum.MaxRequiredApprovals} approvals.");
            else if (!errors.ContainsKey(nameof(cmd.SubscriptionId)))
            {
                var eligible = await EligibleCountAsync(db, user.TenantId, subscription, ct);
                if (cmd.RequiredApprovals > eligible)
                    Error(nameof(cmd.RequiredApprovals),
                        $"Only {eligible} {(eligible == 1 ? "person" : "people")} could approve the requests this rule matches; require at most {eligible} or assign more approvers.");
            }
        }
        if (errors.Count > 0) throw new InputValidationException(errors);
        return rule;
    }

    private async Task RequireEnoughApproversAsync(ILockboxDbContext db, Guid tenantId, Guid? subscription, int required, string field, CancellationToken ct)
    {
        if (required < 1 || required > ApprovalQuorum.MaxRequiredApprovals)
            throw new InputValidationException(field, $"Require between 1 and {ApprovalQuorum.MaxRequiredApprovals} approvals.");
        var eligible = await EligibleCountAsync(db, tenantId, subscription, ct);
        if (required > eligible)
            throw new InputValidationException(field,
                $"Only {eligible} {(eligible == 1 ? "person" : "people")} of your tenant can approve requests (Global Administrators and Lockbox approvers who have signed in); require at most {eligible} or add approvers.");
    }

    /// <summary>
    /// Who could approve a request the rule or policy covers: the tenant's approvers known from sign-in, and for one
    /// subscription its assigned approvers too. Requiring more would leave requests no one can approve.
    /// </summary>
    private static async Task<int> EligibleCountAsync(ILockboxDbContext db, Guid tenantId, Guid? subscription, CancellationToken ct)
    {
        var people = await TenantApproversAsync(db, tenantId, ct);
        if (subscription is { } s)
            people.UnionWith(await db.SubscriptionApprovers.AsNoTracking().Where(a => a.TenantId == tenantId && a.SubscriptionId == s).Select(a => a.ApproverOid).ToListAsync(ct));
        return people.Count;
    }

    private static async Task<HashSet<Guid>> TenantApproversAsync(ILockboxDbContext db, Guid tenantId, CancellationToken ct) =>
        (await db.UserProfiles.AsNoTracking().Where(u => u.TenantId == tenantId && (u.IsGlobalAdministrator || u.IsApprover)).Select(u => u.Oid).ToListAsync(ct)).ToHashSet();

    private static async Task<Tenant> TenantAsync(ILockboxDbContext db, PortalUser user, CancellationToken ct) =>
        await db.Tenants.AsNoTracking().SingleOrDefaultAsync(t => t.Id == user.TenantId, ct) ?? throw TenantNotRegistered();

    private static NotFoundException TenantNotRegistered() => new("Your tenant is not registered yet; sign out and in again.");

    private static NotFoundException RuleNotFound() => new("No such rule in your tenant; it may have been deleted. Reload the page.");

    private static ApprovalRuleDto ToDto(ApprovalRule r, IReadOnlyList<TenantSubscription> subscriptions) => new(
        r.Id, r.RuleId, r.Version, r.Name, r.Position, Conditions(r, subscriptions), Outcome(r),
        new ApprovalRuleCommand(r.RuleId, r.Name, r.Position, r.Action, r.RequiredApprovals, r.SupportOrganization, r.Product, r.ScopeKind,
            r.SubscriptionId?.ToString(), r.MaxDurationMinutes is { } m ? TimeSpan.FromMinutes(m) : null,
            r.Weekdays is { } days ? Enum.GetValues<DayOfWeek>().Where(d => (days & ApprovalRule.DayBit(d)) != 0).ToList() : null,
            r.WindowStartMinute is { } s ? new TimeOnly(s / 60, s % 60) : null, r.WindowEndMinute is { } e ? new TimeOnly(e / 60, e % 60) : null,
            r.Severity, r.Reason, r.Version),
        r.CreatedByName, r.CreatedAt);

    /// <summary>A rule's conditions in words, for the list and the audit entry.</summary>
    public static string Conditions(ApprovalRule r, IReadOnlyList<TenantSubscription>? subscriptions)
    {
        var parts = new List<string>();
        if (r.SupportOrganization is { } o) parts.Add($"organization {o}");
        if (r.Product is { } p) parts.Add($"product {p}");
        if (r.ScopeKind is { } k) parts.Add($"scope {k.ToString().ToLowerInvariant()}");
        if (r.SubscriptionId is { } s) parts.Add($"subscription {subscriptions?.FirstOrDefault(x => x.SubscriptionId == s)?.DisplayName ?? s.ToString()}");
        if (r.MaxDurationMinutes is { } m) parts.Add($"at most {FileAccessRequestValidator.Hours(TimeSpan.FromMinutes(m))}");
        if (r.Weekdays is { } days) parts.Add("on " + string.Join(", ", Enum.GetValues<DayOfWeek>().Where(d => (days & ApprovalRule.DayBit(d)) != 0).Select(d => d.ToString()[..3])));
        if (r.WindowStartMinute is { } ws && r.WindowEndMinute is { } we) parts.Add($"between {ws / 60:00}:{ws % 60:00} and {we / 60:00}:{we % 60:00}");
        if (r.Severity is { } sev) parts.Add($"severity {sev}");
        if (r.Reason is { } reason) parts.Add($"reason {reason.Display().ToLowerInvariant()}");
        return string.Join("; ", parts);
    }

    public static string Outcome(ApprovalRule r) => r.Action == ApprovalRuleAction.ApproveAutomatically
        ? "approve automatically"
        : $"require {r.RequiredApprovals} approval{(r.RequiredApprovals == 1 ? "" : "s")}";
}
