using System.Globalization;
using System.Text;
using LockboxPortal.Domain.Audit;

namespace LockboxPortal.Application.Audit;

/// <summary>The outcome of verifying an exported CSV file on its own.</summary>
public sealed record AuditExportVerification(bool Intact, int Rows, long? FirstEntry, long? LastEntry, Guid? TenantId, string? Problem)
{
    public string Summary => !Intact
        ? $"Broken: {Problem}"
        : Rows == 0
            ? "The export holds no entries."
            : $"Intact: entries {FirstEntry}–{LastEntry} of the {AuditChains.Name(AuditChains.Of(TenantId))} chain ({Rows} rows)" +
              (FirstEntry == 1 ? " from the start of the chain." : $"; it starts after entry {FirstEntry - 1}, so only that part is verified.");
}

/// <summary>
/// Verifies an audit CSV export without the portal (the operator's <c>audit verify-export</c>): recomputes every
/// entry's hash and checks that each chains from the one before. A tenant's unfiltered export is its whole
/// chain; a filtered one has gaps and says so. Reads the file as a stream, so its size does not matter.
/// </summary>
public static class AuditExportVerifier
{
    public const string Header = "sequence,occurredAt,actor,actorOid,action,target,details,previousHash,hash,tenantId";

    public static async Task<AuditExportVerification> VerifyAsync(TextReader csv, CancellationToken ct = default)
    {
        var header = await ReadRecordAsync(csv);
        if (header is null || string.Join(',', header) != Header)
            return new(false, 0, null, null, null, $"the file does not start with the audit export header \"{Header}\".");

        var rows = 0;
        long? first = null;
        long last = 0;
        Guid? tenant = null;
        var previous = "";
        while (await ReadRecordAsync(csv) is { } cells)
        {
            ct.ThrowIfCancellationRequested();
            var line = rows + 2;
            AuditExportVerification Broken(string problem) => new(false, rows, first, first is null ? null : last, tenant, $"line {line}: {problem}");
            if (cells.Count != 10) return Broken($"expected 10 cells, found {cells.Count}.");
            var v = cells.Select(Unescape).ToArray();
            if (!long.TryParse(v[0], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
                || !DateTimeOffset.TryParseExact(v[1], "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
                return Broken("the sequence or the time is not in the export's format.");
            Guid? actorOid = v[3].Length == 0 ? null : Guid.TryParse(v[3], out var oid) ? oid : null;
            Guid? tenantId = v[9].Length == 0 ? null : Guid.TryParse(v[9], out var tid) ? tid : null;
            var entry = new AuditEntry
            {
                ChainId = AuditChains.Of(tenantId),
                Sequence = sequence,
                OccurredAt = at.ToUniversalTime(),
                Actor = v[2],
                ActorOid = actorOid,
                Action = v[4],
                Target = v[5],
                Details = v[6],
                PreviousHash = v[7],
                Hash = v[8],
                TenantId = tenantId,
            };

            if (first is null)
            {
                first = sequence;
                tenant = tenantId;
                if (sequence == 1 && entry.PreviousHash.Length != 0)
                    return Broken("entry 1 does not start the chain: it names a previous entry.");
            }
            else
            {
                if (tenantId != tenant) return Broken($"entry {sequence} belongs to another chain than the entries before it.");
                if (sequence != last + 1)
                    return Broken($"entries {last + 1}–{sequence - 1} are not in the file: it is a filtered export, or they were removed.");
                if (entry.PreviousHash != previous)
                    return Broken($"entry {sequence} does not chain from entry {last}: entries were reordered, removed or rewritten.");
            }
            if (AuditWriter.ComputeHash(entry) != entry.Hash)
                return Broken($"the content of entry {sequence} does not match its hash: it was edited after it was exported or written.");
            previous = entry.Hash;
            last = sequence;
            rows++;
        }
        return new(true, rows, first, first is null ? null : last, tenant, null);
    }

    /// <summary>Takes off the apostrophe the export put before a cell a spreadsheet would run as a formula.</summary>
    private static string Unescape(string cell) => cell.StartsWith('\'') ? cell[1..] : cell;

    /// <summary>One RFC 4180 record (quoted cells may hold commas, quotes and line breaks); null at the end.</summary>
    private static async Task<List<string>?> ReadRecordAsync(TextReader reader)
    {
        var line = await reader.ReadLineAsync();
        if (line is null) return null;
        var cells = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        var i = 0;
        while (true)
        {
            if (i >= line.Length)
            {
                if (!quoted) break;
                var next = await reader.ReadLineAsync();
                if (next is null) break;
                cell.Append('\n');
                line = next;
                i = 0;
                continue;
            }
            var ch = line[i++];
            if (quoted)
            {
                if (ch != '"') cell.Append(ch);
                else if (i < line.Length && line[i] == '"') { cell.Append('"'); i++; }
                else quoted = false;
            }
            else if (ch == '"') quoted = true;
            else if (ch == ',') { cells.Add(cell.ToString()); cell.Clear(); }
            else cell.Append(ch);
        }
        cells.Add(cell.ToString());
        return cells;
    }
}
