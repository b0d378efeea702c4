namespace LockboxPortal.Web.Security;

public static class AuthenticationModes
{
    public const string ConfigKey = "Authentication:Mode";
    public const string EntraId = "EntraId";
    public const string Development = "Development";
}
