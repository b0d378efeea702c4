namespace LockboxPortal.Domain.Lockbox;

public enum AccessRequestStatus
{
    /// <summary>Pending: the customer's approvers have been notified.</summary>
    CustomerNotified = 0,
    Approved = 1,
    Denied = 2,
    Expired = 3,
    Withdrawn = 4,
    Completed = 5,
    Revoked = 6,
}

public enum AccessScopeKind
{
    Tenant = 0,
    Subscription = 1,
}

public static class AccessRequestStatusNames
{
    /// <summary>The name the product uses for a status.</summary>
    public static string Display(this AccessRequestStatus status) => status switch
    {
        AccessRequestStatus.CustomerNotified => "Customer Notified",
        _ => status.ToString(),
    };
}
