using System.Linq.Expressions;

namespace LockboxPortal.Domain.Lockbox;

public enum LifecycleEvent
{
    Approve,
    Deny,
    Expire,
    Withdraw,
    Complete,
    Revoke,

    /// <summary>The engineer ends their access before its window closes: the work is done.</summary>
    End,
}

/// <summary>Where an event stands against its source state's deadline (the pending deadline, or the end of the access window).</summary>
public enum DeadlineRule
{
    /// <summary>Only while the deadline is ahead: a decision, a withdrawal, a revocation.</summary>
    Before,

    /// <summary>Only once the deadline has passed: the clock's own events, expiry and completion.</summary>
    After,
}

public sealed record LifecycleTransition(AccessRequestStatus From, LifecycleEvent Event, AccessRequestStatus To, DeadlineRule When);

/// <summary>Thrown when a transition is attempted that the lifecycle table does not allow at that moment.</summary>
public sealed class LifecycleException(string message) : InvalidOperationException(message);

/// <summary>
/// The lifecycle of an access request: the one table of which event moves which state where and when, and the
/// time rules derived from it. Every rule is an expression, so the same rule filters in the database (EF Core
/// translates it) and decides in memory (compiled once); nothing else restates them.
/// </summary>
public static class AccessRequestLifecycle
{
    public static readonly IReadOnlyList<LifecycleTransition> Table =
    [
        new(AccessRequestStatus.CustomerNotified, LifecycleEvent.Approve, AccessRequestStatus.Approved, DeadlineRule.Before),
        new(AccessRequestStatus.CustomerNotified, LifecycleEvent.Deny, AccessRequestStatus.Denied, DeadlineRule.Before),
        new(AccessRequestStatus.CustomerNotified, LifecycleEvent.Withdraw, AccessRequestStatus.Withdrawn, DeadlineRule.Before),
        new(AccessRequestStatus.CustomerNotified, LifecycleEvent.Expire, AccessRequestStatus.Expired, DeadlineRule.After),
        new(AccessRequestStatus.Approved, LifecycleEvent.Revoke, AccessRequestStatus.Revoked, DeadlineRule.Before),
        new(AccessRequestStatus.Approved, LifecycleEvent.Complete, AccessRequestStatus.Completed, DeadlineRule.After),
        new(AccessRequestStatus.Approved, LifecycleEvent.End, AccessRequestStatus.Completed, DeadlineRule.Before),
    ];

    /// <summary>A new request waits for the customer, unless the customer has switched Lockbox off or a rule of theirs approves it.</summary>
    public static AccessRequestStatus InitialStatus(bool lockboxEnabled, bool approvedByRule = false) =>
        lockboxEnabled && !approvedByRule ? AccessRequestStatus.CustomerNotified : AccessRequestStatus.Approved;

    public static bool TryApply(AccessRequestStatus from, LifecycleEvent @event, out AccessRequestStatus to)
    {
        var row = Table.FirstOrDefault(t => t.From == from && t.Event == @event);
        to = row?.To ?? from;
        return row is not null;
    }

    public static LifecycleTransition Of(LifecycleEvent @event) => Table.Single(t => t.Event == @event);

    /// <summary>The one state an event may start from.</summary>
    public static AccessRequestStatus SourceOf(LifecycleEvent @event) => Of(@event).From;

    public static AccessRequestStatus TargetOf(LifecycleEvent @event) => Of(@event).To;

    public static bool IsTerminal(AccessRequestStatus status) => Table.All(t => t.From != status);

    /// <summary>The one place that says which deadline a state runs against; null for a state the clock does not move.</summary>
    private static Expression<Func<AccessRequest, DateTimeOffset?>>? DeadlineField(AccessRequestStatus state) => state switch
    {
        AccessRequestStatus.CustomerNotified => r => r.PendingUntil,
        AccessRequestStatus.Approved => r => r.AccessEndsAt,
        _ => null,
    };

    private static readonly Dictionary<AccessRequestStatus, Func<AccessRequest, DateTimeOffset?>> CompiledDeadlines =
        Enum.GetValues<AccessRequestStatus>().ToDictionary(s => s, s => DeadlineField(s)?.Compile() ?? (_ => null));

    // "Ahead" is built as the exact complement of "passed" in both worlds: a missing deadline has not passed, and the
    // null check is explicit because SQL's three-valued logic would otherwise drop such a row from both sides.
    private static Expression<Func<AccessRequest, DateTimeOffset, bool>> DeadlineAhead(AccessRequestStatus state) =>
        CompareDeadline(state, (deadline, now) => Expression.OrElse(
            Expression.Equal(deadline, Expression.Constant(null, typeof(DateTimeOffset?))), Expression.GreaterThan(deadline, now)), whenNone: true);

    private static Expression<Func<AccessRequest, DateTimeOffset, bool>> DeadlinePassed(AccessRequestStatus state) =>
        CompareDeadline(state, Expression.LessThanOrEqual, whenNone: false);

    private static Expression<Func<AccessRequest, DateTimeOffset, bool>> CompareDeadline(AccessRequestStatus state,
        Func<Expression, Expression, Expression> compare, bool whenNone)
    {
        var now = Expression.Parameter(typeof(DateTimeOffset), "now");
        if (DeadlineField(state) is not { } field)
            return Expression.Lambda<Func<AccessRequest, DateTimeOffset, bool>>(Expression.Constant(whenNone), Expression.Parameter(typeof(AccessRequest), "r"), now);
        var body = compare(field.Body, Expression.Convert(now, typeof(DateTimeOffset?)));
        return Expression.Lambda<Func<AccessRequest, DateTimeOffset, bool>>(body, field.Parameters[0], now);
    }

    /// <summary>The deadline of the request's stored state as a value: when its clock event (expiry, completion) comes due.</summary>
    public static DateTimeOffset? DeadlineOf(AccessRequest r) => CompiledDeadlines[r.Status](r);

    private static readonly Dictionary<LifecycleEvent, Expression<Func<AccessRequest, DateTimeOffset, bool>>> Preconditions =
        Table.ToDictionary(t => t.Event, t => Expressions.And(
            (r, now) => r.Status == t.From,
            t.When == DeadlineRule.Before ? DeadlineAhead(t.From) : DeadlinePassed(t.From)));

    private static readonly Dictionary<AccessRequestStatus, Expression<Func<AccessRequest, DateTimeOffset, bool>>> Effective =
        Enum.GetValues<AccessRequestStatus>().ToDictionary(s => s, EffectiveStatusRule);

    private static readonly Dictionary<LifecycleEvent, Func<AccessRequest, DateTimeOffset, bool>> CompiledPreconditions =
        Preconditions.ToDictionary(p => p.Key, p => p.Value.Compile());

    /// <summary>
    /// A request reads as <paramref name="status"/> when it is stored so and no clock event has come due, or when
    /// it is stored in a state whose clock event leads to <paramref name="status"/> and that event is due.
    /// </summary>
    private static Expression<Func<AccessRequest, DateTimeOffset, bool>> EffectiveStatusRule(AccessRequestStatus status)
    {
        Expression<Func<AccessRequest, DateTimeOffset, bool>> stored = (r, now) => r.Status == status;
        var rule = Table.Any(t => t.From == status && t.When == DeadlineRule.After) ? Expressions.And(stored, DeadlineAhead(status)) : stored;
        foreach (var lapse in Table.Where(t => t.To == status && t.When == DeadlineRule.After))
            rule = Expressions.Or(rule, Preconditions[lapse.Event]);
        return rule;
    }

    /// <summary>
    /// The states granted access ends in: where the table's transitions out of Approved lead (revoked, completed). A
    /// request that reads as one of them had access and has it no more, so its engineer owes an account of the work.
    /// </summary>
    public static IReadOnlyList<AccessRequestStatus> AccessEndedStates { get; } =
        Table.Where(t => t.From == AccessRequestStatus.Approved).Select(t => t.To).Distinct().ToArray();

    private static readonly Expression<Func<AccessRequest, DateTimeOffset, bool>> AccessEndedRule =
        AccessEndedStates.Select(s => Effective[s]).Aggregate(Expressions.Or);

    private static readonly Func<AccessRequest, DateTimeOffset, bool> CompiledAccessEnded = AccessEndedRule.Compile();

    /// <summary>Requests whose access has ended as of <paramref name="now"/> (for queries).</summary>
    public static Expression<Func<AccessRequest, bool>> AccessEnded(DateTimeOffset now) => Expressions.Bind(AccessEndedRule, now);

    /// <summary>Whether the request's access has ended as of <paramref name="now"/>.</summary>
    public static bool HasAccessEnded(this AccessRequest request, DateTimeOffset now) => CompiledAccessEnded(request, now);

    /// <summary>Requests whose status, as of <paramref name="now"/>, is <paramref name="status"/> (for queries).</summary>
    public static Expression<Func<AccessRequest, bool>> HasStatus(AccessRequestStatus status, DateTimeOffset now) =>
        Expressions.Bind(Effective[status], now);

    /// <summary>Requests that <paramref name="event"/> may move as of <paramref name="now"/> (for queries and conditional updates).</summary>
    public static Expression<Func<AccessRequest, bool>> Allows(LifecycleEvent @event, DateTimeOffset now) =>
        Expressions.Bind(Preconditions[@event], now);

    /// <summary>Whether <paramref name="event"/> may move <paramref name="request"/> as of <paramref name="now"/>.</summary>
    public static bool Allows(this AccessRequest request, LifecycleEvent @event, DateTimeOffset now) =>
        CompiledPreconditions[@event](request, now);

    /// <summary>The status as of <paramref name="now"/>: the stored one, or where a due clock event leads.</summary>
    public static AccessRequestStatus StatusAt(AccessRequest request, DateTimeOffset now)
    {
        foreach (var t in Table)
            if (t.When == DeadlineRule.After && t.From == request.Status && CompiledPreconditions[t.Event](request, now))
                return t.To;
        return request.Status;
    }

    /// <summary>Moves the request's status by the table, refusing an event the table does not allow at <paramref name="now"/>.</summary>
    internal static void Move(AccessRequest request, LifecycleEvent @event, DateTimeOffset now)
    {
        if (!request.Allows(@event, now))
            throw new LifecycleException(
                $"A request that is {StatusAt(request, now).Display()} cannot be moved by {@event.ToString().ToLowerInvariant()}.");
        request.Status = TargetOf(@event);
    }
}
