using LockboxPortal.Application.Lockbox;
using MudBlazor;

namespace LockboxPortal.Web.Components.Pages.Lockbox;

/// <summary>
/// What differs between the decisions an approver confirms in the one <see cref="DecisionDialog"/>: words, colour
/// and which fields it shows. The rules on those fields (required or not, how long, the duration bounds) are not
/// here: the dialog reads them from the Application validators and options the service applies.
/// </summary>
public sealed record DecisionKind(RequestAction Action, string Title, string Confirm, Color Color, string TextField, string TextLabel)
{
    public static readonly DecisionKind Approve = new(RequestAction.Approve, "Approve access", "Approve", Color.Success, nameof(ApproveCommand.Comment), "Comment for the engineer");
    public static readonly DecisionKind Deny = new(RequestAction.Deny, "Deny access", "Deny", Color.Error, nameof(DenyCommand.Reason), "Reason");
    public static readonly DecisionKind Revoke = new(RequestAction.Revoke, "Revoke access", "Revoke access", Color.Error, nameof(RevokeCommand.Reason), "Reason");

    /// <summary>Names the dialog's test ids: approve-dialog, confirm-deny, revoke-reason.</summary>
    public string Name => Action.ToString().ToLowerInvariant();

    /// <summary>Only an approval chooses how long the access lasts.</summary>
    public bool HasDuration => Action == RequestAction.Approve;
}
