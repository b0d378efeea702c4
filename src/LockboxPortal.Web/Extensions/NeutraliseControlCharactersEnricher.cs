using LockboxPortal.Application.Audit;
using Serilog.Core;
using Serilog.Events;

namespace LockboxPortal.Web.Extensions;

/// <summary>
/// Rewrites every string property of a log event (request paths, query values, names people typed) with
/// CR, LF and other control characters escaped, so user text can never start a forged log line. Runs last,
/// after the log context has been merged in.
/// </summary>
public sealed class NeutraliseControlCharactersEnricher : ILogEventEnricher
{
    private const int MaxLength = 2000;

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        List<LogEventProperty>? changed = null;
        foreach (var (name, value) in logEvent.Properties)
        {
            var clean = Clean(value);
            if (!ReferenceEquals(clean, value)) (changed ??= []).Add(new LogEventProperty(name, clean));
        }
        if (changed is null) return;
        foreach (var p in changed) logEvent.AddOrUpdateProperty(p);
    }

    /// <summary>The same value when nothing needed escaping, so clean events cost no allocation.</summary>
    internal static LogEventPropertyValue Clean(LogEventPropertyValue value)
    {
        switch (value)
        {
            case ScalarValue { Value: string s } when NeedsCleaning(s):
                return new ScalarValue(LogText.Neutralise(s, MaxLength));
            case SequenceValue seq:
            {
                var items = seq.Elements.Select(Clean).ToList();
                return items.Where((v, i) => !ReferenceEquals(v, seq.Elements[i])).Any() ? new SequenceValue(items) : value;
            }
            case StructureValue st:
            {
                var props = st.Properties.Select(p => new LogEventProperty(p.Name, Clean(p.Value))).ToList();
                return props.Where((p, i) => !ReferenceEquals(p.Value, st.Properties[i].Value)).Any() ? new StructureValue(props, st.TypeTag) : value;
            }
            case DictionaryValue dict:
            {
                var pairs = dict.Elements.Select(kv => new KeyValuePair<ScalarValue, LogEventPropertyValue>(
                    (ScalarValue)Clean(kv.Key), Clean(kv.Value))).ToList();
                return pairs.Zip(dict.Elements).Any(z => !ReferenceEquals(z.First.Value, z.Second.Value) || !ReferenceEquals(z.First.Key, z.Second.Key))
                    ? new DictionaryValue(pairs) : value;
            }
            default:
                return value;
        }
    }

    private static bool NeedsCleaning(string s) => s.Length > MaxLength || s.AsSpan().IndexOfAnyInRange('\0', '\u001f') >= 0 || s.Any(char.IsControl);
}
