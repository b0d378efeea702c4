using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace LockboxPortal.CircuitLoad;

/// <summary>
/// The part of MessagePack (https://msgpack.org/) the SignalR hub protocol needs: nil, booleans, integers, floats,
/// strings, binaries, arrays and maps. Reads into plain .NET values (long, double, string, byte[], bool, null,
/// object?[] and Dictionary&lt;string, object?&gt;), so the caller converts to the types it expects.
/// </summary>
internal static class MsgPack
{
    public static void WriteNil(IBufferWriter<byte> w) => WriteByte(w, 0xc0);
    public static void WriteBool(IBufferWriter<byte> w, bool v) => WriteByte(w, v ? (byte)0xc3 : (byte)0xc2);

    public static void WriteInt(IBufferWriter<byte> w, long v)
    {
        if (v is >= 0 and <= 0x7f) { WriteByte(w, (byte)v); return; }
        if (v is < 0 and >= -32) { WriteByte(w, unchecked((byte)(sbyte)v)); return; }
        var span = w.GetSpan(9);
        span[0] = 0xd3;
        BinaryPrimitives.WriteInt64BigEndian(span[1..], v);
        w.Advance(9);
    }

    public static void WriteString(IBufferWriter<byte> w, string? s)
    {
        if (s is null) { WriteNil(w); return; }
        var length = Encoding.UTF8.GetByteCount(s);
        WriteHeader(w, length, fix: 0xa0, fixMax: 31, b8: 0xd9, b16: 0xda, b32: 0xdb);
        var span = w.GetSpan(length);
        Encoding.UTF8.GetBytes(s, span);
        w.Advance(length);
    }

    public static void WriteBinary(IBufferWriter<byte> w, ReadOnlySpan<byte> bytes)
    {
        WriteHeader(w, bytes.Length, fix: 0, fixMax: -1, b8: 0xc4, b16: 0xc5, b32: 0xc6);
        bytes.CopyTo(w.GetSpan(bytes.Length));
        w.Advance(bytes.Length);
    }

    public static void WriteArrayHeader(IBufferWriter<byte> w, int count) => WriteHeader(w, count, fix: 0x90, fixMax: 15, b8: 0, b16: 0xdc, b32: 0xdd);
    public static void WriteMapHeader(IBufferWriter<byte> w, int count) => WriteHeader(w, count, fix: 0x80, fixMax: 15, b8: 0, b16: 0xde, b32: 0xdf);

    /// <summary>Any value a hub argument can be here: null, bool, integers, string, byte[], arrays of those.</summary>
    public static void WriteValue(IBufferWriter<byte> w, object? v)
    {
        switch (v)
        {
            case null: WriteNil(w); break;
            case bool b: WriteBool(w, b); break;
            case string s: WriteString(w, s); break;
            case byte[] bytes: WriteBinary(w, bytes); break;
            case int or long or short or sbyte or byte or ushort or uint: WriteInt(w, Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture)); break;
            case ulong u: WriteInt(w, checked((long)u)); break;
            case System.Collections.IList list:
                WriteArrayHeader(w, list.Count);
                foreach (var item in list) WriteValue(w, item);
                break;
            default: throw new NotSupportedException($"MessagePack writing of {v.GetType()} is not supported by this client.");
        }
    }

    private static void WriteHeader(IBufferWriter<byte> w, int length, byte fix, int fixMax, byte b8, byte b16, byte b32)
    {
        var span = w.GetSpan(5);
        if (length <= fixMax) { span[0] = (byte)(fix | length); w.Advance(1); }
        else if (b8 != 0 && length <= byte.MaxValue) { span[0] = b8; span[1] = (byte)length; w.Advance(2); }
        else if (length <= ushort.MaxValue) { span[0] = b16; BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)length); w.Advance(3); }
        else { span[0] = b32; BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)length); w.Advance(5); }
    }

    private static void WriteByte(IBufferWriter<byte> w, byte b)
    {
        w.GetSpan(1)[0] = b;
        w.Advance(1);
    }

    /// <summary>Reads one value at <paramref name="pos"/> and moves past it.</summary>
    public static object? Read(ReadOnlySpan<byte> data, ref int pos)
    {
        var b = data[pos++];
        switch (b)
        {
            case <= 0x7f: return (long)b;
            case >= 0xe0: return (long)unchecked((sbyte)b);
            case >= 0xa0 and <= 0xbf: return ReadString(data, ref pos, b & 0x1f);
            case >= 0x90 and <= 0x9f: return ReadArray(data, ref pos, b & 0x0f);
            case >= 0x80 and <= 0x8f: return ReadMap(data, ref pos, b & 0x0f);
        }
        switch (b)
        {
            case 0xc0: return null;
            case 0xc2: return false;
            case 0xc3: return true;
            case 0xcc: return (long)data[pos++];
            case 0xcd: { var v = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]); pos += 2; return (long)v; }
            case 0xce: { var v = BinaryPrimitives.ReadUInt32BigEndian(data[pos..]); pos += 4; return (long)v; }
            case 0xcf: { var v = BinaryPrimitives.ReadUInt64BigEndian(data[pos..]); pos += 8; return checked((long)v); }
            case 0xd0: return (long)unchecked((sbyte)data[pos++]);
            case 0xd1: { var v = BinaryPrimitives.ReadInt16BigEndian(data[pos..]); pos += 2; return (long)v; }
            case 0xd2: { var v = BinaryPrimitives.ReadInt32BigEndian(data[pos..]); pos += 4; return (long)v; }
            case 0xd3: { var v = BinaryPrimitives.ReadInt64BigEndian(data[pos..]); pos += 8; return v; }
            case 0xca: { var v = BinaryPrimitives.ReadSingleBigEndian(data[pos..]); pos += 4; return (double)v; }
            case 0xcb: { var v = BinaryPrimitives.ReadDoubleBigEndian(data[pos..]); pos += 8; return v; }
            case 0xd9: return ReadString(data, ref pos, data[pos++]);
            case 0xda: { var n = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]); pos += 2; return ReadString(data, ref pos, n); }
            case 0xdb: { var n = (int)BinaryPrimitives.ReadUInt32BigEndian(data[pos..]); pos += 4; return ReadString(data, ref pos, n); }
            case 0xc4: return ReadBinary(data, ref pos, data[pos++]);
            case 0xc5: { var n = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]); pos += 2; return ReadBinary(data, ref pos, n); }
            case 0xc6: { var n = (int)BinaryPrimitives.ReadUInt32BigEndian(data[pos..]); pos += 4; return ReadBinary(data, ref pos, n); }
            case 0xdc: { var n = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]); pos += 2; return ReadArray(data, ref pos, n); }
            case 0xdd: { var n = (int)BinaryPrimitives.ReadUInt32BigEndian(data[pos..]); pos += 4; return ReadArray(data, ref pos, n); }
            case 0xde: { var n = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]); pos += 2; return ReadMap(data, ref pos, n); }
            case 0xdf: { var n = (int)BinaryPrimitives.ReadUInt32BigEndian(data[pos..]); pos += 4; return ReadMap(data, ref pos, n); }
            default: throw new FormatException($"MessagePack type byte 0x{b:x2} is not supported by this client.");
        }
    }

    private static string ReadString(ReadOnlySpan<byte> data, ref int pos, int length)
    {
        var s = Encoding.UTF8.GetString(data.Slice(pos, length));
        pos += length;
        return s;
    }

    private static byte[] ReadBinary(ReadOnlySpan<byte> data, ref int pos, int length)
    {
        var bytes = data.Slice(pos, length).ToArray();
        pos += length;
        return bytes;
    }

    private static object?[] ReadArray(ReadOnlySpan<byte> data, ref int pos, int count)
    {
        var items = new object?[count];
        for (var i = 0; i < count; i++) items[i] = Read(data, ref pos);
        return items;
    }

    private static Dictionary<string, object?> ReadMap(ReadOnlySpan<byte> data, ref int pos, int count)
    {
        var map = new Dictionary<string, object?>(count);
        for (var i = 0; i < count; i++)
        {
            var key = Read(data, ref pos)?.ToString() ?? "";
            map[key] = Read(data, ref pos);
        }
        return map;
    }
}
