namespace LockboxPortal.Domain;

/// <summary>
/// The id of a new row. Time-ordered (UUID version 7, RFC 9562: 48 bits of Unix milliseconds, then 74 random bits), so
/// rows created one after another sit next to each other in every index keyed by their id or by a text that starts
/// with it: SQLite stores a Guid as its text, whose order is then the order of creation. A write touches an index's
/// last pages instead of a random page among millions, and a commit writes fewer pages. The random bits keep an id
/// as unguessable as a random one for everything but its creation time, which the row shows anyway.
/// </summary>
public static class RowIds
{
    public static Guid New() => Guid.CreateVersion7();
}
