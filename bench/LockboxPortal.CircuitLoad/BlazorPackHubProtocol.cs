using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.ExceptionServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace LockboxPortal.CircuitLoad;

/// <summary>
/// The hub protocol blazor.web.js speaks to <c>/_blazor</c>: SignalR's MessagePack protocol under the name
/// "blazorpack" (version 2); the Blazor hub accepts no other. Each message is a varint length prefix and a
/// MessagePack array whose first item is the message type (1 invocation, 3 completion, 6 ping, 7 close, ...).
/// Only what a circuit client sends and receives is implemented.
/// </summary>
public sealed class BlazorPackHubProtocol : IHubProtocol
{
    public string Name => "blazorpack";
    public int Version => 2;
    public TransferFormat TransferFormat => TransferFormat.Binary;
    public bool IsVersionSupported(int version) => version <= Version;

    public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        WriteMessage(message, buffer);
        return buffer.WrittenMemory;
    }

    public void WriteMessage(HubMessage message, IBufferWriter<byte> output)
    {
        var body = new ArrayBufferWriter<byte>();
        switch (message)
        {
            case InvocationMessage m:
                MsgPack.WriteArrayHeader(body, 6);
                MsgPack.WriteInt(body, HubProtocolConstants.InvocationMessageType);
                MsgPack.WriteMapHeader(body, 0);
                MsgPack.WriteString(body, m.InvocationId);
                MsgPack.WriteString(body, m.Target);
                MsgPack.WriteArrayHeader(body, m.Arguments.Length);
                foreach (var a in m.Arguments) MsgPack.WriteValue(body, a);
                MsgPack.WriteArrayHeader(body, 0);
                break;
            case CancelInvocationMessage m:
                MsgPack.WriteArrayHeader(body, 3);
                MsgPack.WriteInt(body, HubProtocolConstants.CancelInvocationMessageType);
                MsgPack.WriteMapHeader(body, 0);
                MsgPack.WriteString(body, m.InvocationId);
                break;
            case PingMessage:
                MsgPack.WriteArrayHeader(body, 1);
                MsgPack.WriteInt(body, HubProtocolConstants.PingMessageType);
                break;
            case CloseMessage m:
                MsgPack.WriteArrayHeader(body, 3);
                MsgPack.WriteInt(body, HubProtocolConstants.CloseMessageType);
                MsgPack.WriteString(body, m.Error);
                MsgPack.WriteBool(body, m.AllowReconnect);
                break;
            default:
                throw new NotSupportedException($"The circuit client does not send {message.GetType().Name}.");
        }
        // Length prefix: 7 bits per byte, least significant first, high bit set while more follow.
        var length = body.WrittenCount;
        var prefix = output.GetSpan(5);
        var n = 0;
        do
        {
            var b = (byte)(length & 0x7f);
            length >>= 7;
            if (length > 0) b |= 0x80;
            prefix[n++] = b;
        } while (length > 0);
        output.Advance(n);
        output.Write(body.WrittenSpan);
    }

    public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message)
    {
        message = null;
        var reader = new SequenceReader<byte>(input);
        long length = 0;
        for (var shift = 0; ; shift += 7)
        {
            if (shift > 28 || !reader.TryRead(out var b)) return false;
            length |= (long)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) break;
        }
        if (reader.Remaining < length) return false;
        var payload = input.Slice(reader.Position, length);
        var bytes = payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray();
        var pos = 0;
        var items = MsgPack.Read(bytes, ref pos) as object?[] ?? throw new InvalidDataException("A hub message is not a MessagePack array.");
        input = input.Slice(payload.End);
        message = Parse(items, binder);
        return true;
    }

    private static HubMessage Parse(object?[] items, IInvocationBinder binder)
    {
        var type = Convert.ToInt32(items[0], CultureInfo.InvariantCulture);
        switch (type)
        {
            case HubProtocolConstants.InvocationMessageType:
            {
                var invocationId = items[2] as string;
                var target = (string)items[3]!;
                var raw = (object?[])items[4]!;
                try
                {
                    var types = binder.GetParameterTypes(target);
                    var args = new object?[raw.Length];
                    for (var i = 0; i < raw.Length; i++) args[i] = ConvertTo(raw[i], i < types.Count ? types[i] : typeof(object));
                    return new InvocationMessage(invocationId, target, args);
                }
                catch (Exception ex)
                {
                    return new InvocationBindingFailureMessage(invocationId, target, ExceptionDispatchInfo.Capture(ex));
                }
            }
            case HubProtocolConstants.CompletionMessageType:
            {
                var invocationId = (string)items[2]!;
                var kind = Convert.ToInt32(items[3], CultureInfo.InvariantCulture);
                return kind switch
                {
                    1 => CompletionMessage.WithError(invocationId, items[4] as string),
                    2 => CompletionMessage.Empty(invocationId),
                    _ => CompletionMessage.WithResult(invocationId, ConvertTo(items[4], binder.GetReturnType(invocationId))),
                };
            }
            case HubProtocolConstants.PingMessageType:
                return PingMessage.Instance;
            case HubProtocolConstants.CloseMessageType:
                return new CloseMessage(items.Length > 1 ? items[1] as string : null, items.Length > 2 && items[2] is true);
            case HubProtocolConstants.StreamItemMessageType:
            {
                var invocationId = (string)items[2]!;
                return new StreamItemMessage(invocationId, ConvertTo(items[3], binder.GetStreamItemType(invocationId)));
            }
            default:
                throw new InvalidDataException($"Hub message type {type} is not supported by the circuit client.");
        }
    }

    /// <summary>MessagePack gives longs, doubles, strings, byte[]: what the handler's signature asks for.</summary>
    internal static object? ConvertTo(object? value, Type type)
    {
        if (value is null || type == typeof(object) || type.IsInstanceOfType(value)) return value;
        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (target == typeof(string)) return Convert.ToString(value, CultureInfo.InvariantCulture);
        return Convert.ChangeType(value, target, CultureInfo.InvariantCulture);
    }
}
