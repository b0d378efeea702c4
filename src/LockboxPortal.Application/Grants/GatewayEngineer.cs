using LockboxPortal.Application.Common;
using LockboxPortal.Domain.Lockbox;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Application.Grants;

/// <summary>
/// The engineer a gateway names, by object id or by email: the one rule for the access check's answer and for the
/// trail that records it. An object id is matched exactly by the database. An email is matched ignoring case, and
/// decided here, not by the database: SQL Server's collation takes some different addresses as equal (letters of
/// another width, "ß" and "ss"), and SQLite's lower() folds only A–Z. The database narrows the rows with a pattern
/// that finds at least every such address on both (<see cref="LikePattern.EqualIgnoringCase"/>).
/// </summary>
internal static class GatewayEngineer
{
    /// <summary>The requests that may be the engineer's: every one that is, and perhaps a few more (see <see cref="Filed"/>).</summary>
    public static IQueryable<AccessRequest> Candidates(IQueryable<AccessRequest> requests, string engineer)
    {
        if (Guid.TryParse(engineer, out var oid)) return requests.Where(r => r.EngineerOid == oid);
        var pattern = LikePattern.EqualIgnoringCase(engineer);
        return requests.Where(r => EF.Functions.Like(r.EngineerEmail, pattern, LikePattern.Escape));
    }

    /// <summary>Whether a candidate's engineer (by the address on the request) is the one the gateway named.</summary>
    public static bool Filed(string engineerEmail, string engineer) =>
        Guid.TryParse(engineer, out _) || string.Equals(engineerEmail, engineer, StringComparison.OrdinalIgnoreCase);
}
