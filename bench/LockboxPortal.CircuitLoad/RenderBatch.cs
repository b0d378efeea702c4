using System.Buffers.Binary;
using System.Text;

namespace LockboxPortal.CircuitLoad;

/// <summary>Frame types as the server numbers them (Microsoft.AspNetCore.Components.RenderTree.RenderTreeFrameType).</summary>
public enum FrameType
{
    Element = 1, Text = 2, Attribute = 3, Component = 4, Region = 5, ElementReferenceCapture = 6,
    ComponentReferenceCapture = 7, Markup = 8, ComponentRenderMode = 9, NamedEvent = 10,
}

/// <summary>Edit types (RenderTreeEditType).</summary>
public enum EditType
{
    PrependFrame = 1, RemoveFrame = 2, SetAttribute = 3, RemoveAttribute = 4, UpdateText = 5, StepIn = 6, StepOut = 7,
    UpdateMarkup = 8, PermutationListEntry = 9, PermutationListEnd = 10,
}

/// <summary>One frame of a batch's reference frames, with its strings resolved.</summary>
public readonly record struct Frame(FrameType Type, int SubtreeLength, int ComponentId, string? Name, string? Value, ulong EventHandlerId);

public readonly record struct Edit(EditType Type, int SiblingIndex, int ReferenceFrameIndex, string? RemovedAttributeName);

public sealed record ComponentDiff(int ComponentId, IReadOnlyList<Edit> Edits);

/// <summary>
/// Reads the binary render batch the server sends as <c>JS.RenderBatch</c> (written by RenderBatchWriter, read in the
/// browser by OutOfProcessRenderBatch.ts). Layout, all integers little-endian:
/// <list type="bullet">
/// <item>the last 20 bytes are five int32 offsets: updated components, reference frames, disposed component ids,
/// disposed event handler ids, string table;</item>
/// <item>an array range is an int32 count followed by its entries; updated components' entries are int32 offsets of
/// diffs; a diff is the component id, then an array range of 16-byte edits (type, sibling index, reference frame index
/// or move-to index, removed attribute name as a string index);</item>
/// <item>every reference frame is 20 bytes: the type, then per type: element (subtree length, name), text/markup
/// (string), attribute (name, value, 8-byte event handler id), component (subtree length, component id), region
/// (subtree length); a value is an index into the string table, -1 for null (a false boolean attribute);</item>
/// <item>the string table is an int32 offset per string; each string is a 7-bit-encoded length and UTF-8.</item>
/// </list>
/// </summary>
public sealed class RenderBatch
{
    private RenderBatch(IReadOnlyList<ComponentDiff> updated, Frame[] frames, int[] disposedComponents, ulong[] disposedHandlers)
    {
        UpdatedComponents = updated;
        ReferenceFrames = frames;
        DisposedComponentIds = disposedComponents;
        DisposedEventHandlerIds = disposedHandlers;
    }

    public IReadOnlyList<ComponentDiff> UpdatedComponents { get; }
    public Frame[] ReferenceFrames { get; }
    public int[] DisposedComponentIds { get; }
    public ulong[] DisposedEventHandlerIds { get; }

    public static RenderBatch Read(byte[] data)
    {
        var span = data.AsSpan();
        int I32(int at) => BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(at));
        var end = data.Length;
        var updatedAt = I32(end - 20);
        var framesAt = I32(end - 16);
        var disposedComponentsAt = I32(end - 12);
        var disposedHandlersAt = I32(end - 8);
        var stringTableAt = I32(end - 4);

        var strings = new Dictionary<int, string>();
        string? Str(int index)
        {
            if (index < 0) return null;
            if (strings.TryGetValue(index, out var s)) return s;
            var at = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(stringTableAt + 4 * index));
            int length = 0, shift = 0;
            byte b;
            do { b = data[at++]; length |= (b & 0x7f) << shift; shift += 7; } while ((b & 0x80) != 0);
            return strings[index] = Encoding.UTF8.GetString(data, at, length);
        }

        var frameCount = I32(framesAt);
        var frames = new Frame[frameCount];
        for (var i = 0; i < frameCount; i++)
        {
            var at = framesAt + 4 + 20 * i;
            var type = (FrameType)I32(at);
            frames[i] = type switch
            {
                FrameType.Element => new Frame(type, I32(at + 4), 0, Str(I32(at + 8)), null, 0),
                FrameType.Text or FrameType.Markup => new Frame(type, 1, 0, null, Str(I32(at + 4)), 0),
                FrameType.Attribute => new Frame(type, 1, 0, Str(I32(at + 4)), Str(I32(at + 8)), BinaryPrimitives.ReadUInt64LittleEndian(span[(at + 12)..])),
                FrameType.Component => new Frame(type, I32(at + 4), I32(at + 8), null, null, 0),
                FrameType.Region => new Frame(type, I32(at + 4), 0, null, null, 0),
                _ => new Frame(type, 1, 0, null, null, 0),
            };
        }

        var updatedCount = I32(updatedAt);
        var updated = new List<ComponentDiff>(updatedCount);
        for (var i = 0; i < updatedCount; i++)
        {
            var diffAt = I32(updatedAt + 4 + 4 * i);
            var componentId = I32(diffAt);
            var editCount = I32(diffAt + 4);
            var edits = new Edit[editCount];
            for (var e = 0; e < editCount; e++)
            {
                var at = diffAt + 8 + 16 * e;
                edits[e] = new Edit((EditType)I32(at), I32(at + 4), I32(at + 8), Str(I32(at + 12)));
            }
            updated.Add(new ComponentDiff(componentId, edits));
        }

        var disposedComponents = new int[I32(disposedComponentsAt)];
        for (var i = 0; i < disposedComponents.Length; i++) disposedComponents[i] = I32(disposedComponentsAt + 4 + 4 * i);
        var disposedHandlers = new ulong[I32(disposedHandlersAt)];
        for (var i = 0; i < disposedHandlers.Length; i++) disposedHandlers[i] = BinaryPrimitives.ReadUInt64LittleEndian(span[(disposedHandlersAt + 4 + 8 * i)..]);
        return new RenderBatch(updated, frames, disposedComponents, disposedHandlers);
    }
}
