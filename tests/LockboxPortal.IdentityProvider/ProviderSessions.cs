using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace LockboxPortal.IdentityProvider;

/// <summary>The provider's own sign-in sessions (its cookie names one): single sign-on until end-session removes it.</summary>
public sealed class ProviderSessions
{
    public const string CookieName = "entra.session";
    private readonly ConcurrentDictionary<string, Guid> _sessions = new();

    public string Start(DirectoryUser user)
    {
        var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        _sessions[id] = user.Oid;
        return id;
    }

    public Guid? UserOf(string? sessionId) => sessionId is not null && _sessions.TryGetValue(sessionId, out var oid) ? oid : null;

    public void End(string? sessionId)
    {
        if (sessionId is not null) _sessions.TryRemove(sessionId, out _);
    }

    /// <summary>How many sessions a user has open at the provider.</summary>
    public int CountFor(Guid oid) => _sessions.Values.Count(v => v == oid);
}
