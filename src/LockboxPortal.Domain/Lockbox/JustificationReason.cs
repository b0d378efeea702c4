namespace LockboxPortal.Domain.Lockbox;

/// <summary>
/// Why the engineer asks, as a type the customer's rules can test and the blade can filter on; the free-text
/// justification explains the rest. Requests filed before reasons existed read as customer-initiated support
/// (value 0), which is what every such request was: work on a ticket the customer opened.
/// </summary>
public enum JustificationReason
{
    CustomerInitiatedSupport = 0,
    EngineerInitiatedInvestigation = 1,
    Incident = 2,
    LegalOrCompliance = 3,
}

public static class JustificationReasonNames
{
    public static string Display(this JustificationReason reason) => reason switch
    {
        JustificationReason.CustomerInitiatedSupport => "Customer-initiated support",
        JustificationReason.EngineerInitiatedInvestigation => "Engineer-initiated investigation",
        JustificationReason.Incident => "Incident",
        JustificationReason.LegalOrCompliance => "Legal or compliance",
        _ => reason.ToString(),
    };
}
