namespace LockboxPortal.Web.Security;

/// <summary>A configuration the portal refuses to start with; the message says what to change.</summary>
public sealed class PortalStartupException(string message) : Exception(message);
