namespace LockboxPortal.Domain.Lockbox;

/// <summary>
/// One approver's approval of a request that needs several. The store holds at most one row per approver and
/// request (a unique index), so the same person never counts twice, whatever races.
/// </summary>
public class RequestApproval
{
    public Guid Id { get; set; }
    public Guid RequestId { get; set; }
    public Guid TenantId { get; set; }
    public Guid ApproverOid { get; set; }
    public required string ApproverName { get; set; }
    public DateTimeOffset ApprovedAt { get; set; }

    /// <summary>The access this approver agreed to; the grant runs for the shortest any approver gave.</summary>
    public int GrantedMinutes { get; set; }
    public string? Comment { get; set; }
}

/// <summary>The quorum rule of multi-party approval: the one place that says when approvals are enough.</summary>
public static class ApprovalQuorum
{
    public const int MaxRequiredApprovals = 10;

    public static bool IsReached(int approvals, int required) => approvals >= Math.Max(1, required);

    /// <summary>"1 of 2 approvals": how a request that needs several stands.</summary>
    public static string Progress(int approvals, int required) => $"{approvals} of {required} approval{(required == 1 ? "" : "s")}";
}
