using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace LockboxPortal.CircuitLoad;

public enum NodeKind { Element, Text, Markup, Component, ComponentRoot }

/// <summary>A node of the client's copy of the rendered UI: what the browser's DOM would hold, without layout.</summary>
public sealed class RenderedNode(NodeKind kind)
{
    public NodeKind Kind { get; } = kind;
    /// <summary>Element name (lower case as written in the .razor file).</summary>
    public string? Name { get; init; }
    /// <summary>Text or markup content.</summary>
    public string? Content { get; set; }
    /// <summary>For a component node (and a component's root), the component; for an element, the component that rendered it.</summary>
    public int ComponentId { get; init; }
    public Dictionary<string, string> Attributes { get; } = new(StringComparer.Ordinal);
    /// <summary>Event name ("onclick", "onchange", ...) → the server's event handler id for it.</summary>
    public Dictionary<string, ulong> Handlers { get; } = new(StringComparer.Ordinal);
    public List<RenderedNode> Children { get; } = [];

    public string? this[string attribute] => Attributes.GetValueOrDefault(attribute);

    public override string ToString() => Kind == NodeKind.Element
        ? $"<{Name}{string.Concat(Attributes.Select(a => $" {a.Key}=\"{a.Value}\""))}>" : $"{Kind} {Content}";
}

/// <summary>
/// Applies render batches the way the browser's BrowserRenderer.ts does, to a tree of <see cref="RenderedNode"/>s,
/// so the client knows, like a browser, which element carries which event handler id and what text is shown.
/// <para>
/// Each component has its own root whose children are the component's logical children; a component frame in its
/// parent is one child that points at it. A diff walks the component's root with StepIn/StepOut; sibling indexes count
/// logical children, where a region's frames are spliced into its parent (a region is never a child itself).
/// A prepended frame's subtree comes from the batch's reference frames: an element's attribute frames follow it
/// directly, then its children. An attribute with an event handler id (onclick, onchange, ...) is recorded as a
/// handler of its element; a boolean attribute set to false arrives with a null value and is removed.
/// </para>
/// </summary>
public sealed class RenderedDom
{
    private readonly Dictionary<int, RenderedNode> _components = [];
    private readonly List<(int ComponentId, string Selector)> _roots = [];

    /// <summary>The server's JS.AttachComponent: a root component takes the place of a prerendered marker.</summary>
    public void AttachRoot(int componentId, string selector)
    {
        _roots.Add((componentId, selector));
        Root(componentId);
    }

    public int ComponentCount => _components.Count;

    public void Apply(RenderBatch batch)
    {
        foreach (var diff in batch.UpdatedComponents) ApplyDiff(diff, batch.ReferenceFrames);
        foreach (var id in batch.DisposedComponentIds) _components.Remove(id);
    }

    private RenderedNode Root(int componentId)
    {
        if (!_components.TryGetValue(componentId, out var root))
            _components[componentId] = root = new RenderedNode(NodeKind.ComponentRoot) { ComponentId = componentId };
        return root;
    }

    private void ApplyDiff(ComponentDiff diff, Frame[] frames)
    {
        var parent = Root(diff.ComponentId);
        var path = new Stack<RenderedNode>();
        List<(int From, int To)>? permutation = null;
        foreach (var edit in diff.Edits)
        {
            switch (edit.Type)
            {
                case EditType.PrependFrame:
                    InsertFrame(frames, edit.ReferenceFrameIndex, parent, edit.SiblingIndex, diff.ComponentId);
                    break;
                case EditType.RemoveFrame:
                    parent.Children.RemoveAt(edit.SiblingIndex);
                    break;
                case EditType.SetAttribute:
                    SetAttribute(parent.Children[edit.SiblingIndex], frames[edit.ReferenceFrameIndex]);
                    break;
                case EditType.RemoveAttribute:
                {
                    var element = parent.Children[edit.SiblingIndex];
                    element.Attributes.Remove(edit.RemovedAttributeName!);
                    element.Handlers.Remove(edit.RemovedAttributeName!);
                    break;
                }
                case EditType.UpdateText:
                case EditType.UpdateMarkup:
                    parent.Children[edit.SiblingIndex].Content = frames[edit.ReferenceFrameIndex].Value;
                    break;
                case EditType.StepIn:
                    path.Push(parent);
                    parent = parent.Children[edit.SiblingIndex];
                    break;
                case EditType.StepOut:
                    parent = path.Pop();
                    break;
                case EditType.PermutationListEntry:
                    (permutation ??= []).Add((edit.SiblingIndex, edit.ReferenceFrameIndex));
                    break;
                case EditType.PermutationListEnd:
                {
                    // Every moved child is taken out first, then each is put at its new index (keyed rows reordered).
                    var moved = permutation!.Select(p => (p.To, Node: parent.Children[p.From])).ToList();
                    foreach (var (to, node) in moved) parent.Children[to] = node;
                    permutation = null;
                    break;
                }
            }
        }
    }

    /// <summary>Inserts the frame at <paramref name="index"/>; returns how many logical children it added.</summary>
    private int InsertFrame(Frame[] frames, int index, RenderedNode parent, int childIndex, int componentId)
    {
        var frame = frames[index];
        switch (frame.Type)
        {
            case FrameType.Element:
            {
                var element = new RenderedNode(NodeKind.Element) { Name = frame.Name, ComponentId = componentId };
                var end = index + frame.SubtreeLength;
                var i = index + 1;
                for (; i < end && frames[i].Type == FrameType.Attribute; i++) SetAttribute(element, frames[i]);
                InsertRange(frames, i, end, element, 0, componentId);
                parent.Children.Insert(childIndex, element);
                return 1;
            }
            case FrameType.Text:
            case FrameType.Markup:
                parent.Children.Insert(childIndex, new RenderedNode(frame.Type == FrameType.Text ? NodeKind.Text : NodeKind.Markup) { Content = frame.Value });
                return 1;
            case FrameType.Component:
                Root(frame.ComponentId);
                parent.Children.Insert(childIndex, new RenderedNode(NodeKind.Component) { ComponentId = frame.ComponentId });
                return 1;
            case FrameType.Region:
                return InsertRange(frames, index + 1, index + frame.SubtreeLength, parent, childIndex, componentId);
            default:
                return 0; // reference captures, render modes, named events: nothing in the DOM
        }
    }

    private int InsertRange(Frame[] frames, int start, int end, RenderedNode parent, int childIndex, int componentId)
    {
        var first = childIndex;
        for (var i = start; i < end; i += Math.Max(1, frames[i].SubtreeLength))
            childIndex += InsertFrame(frames, i, parent, childIndex, componentId);
        return childIndex - first;
    }

    private static void SetAttribute(RenderedNode element, Frame attribute)
    {
        var name = attribute.Name!;
        if (attribute.EventHandlerId != 0) element.Handlers[name] = attribute.EventHandlerId;
        else if (attribute.Value is null) element.Attributes.Remove(name);
        else element.Attributes[name] = attribute.Value;
    }

    /// <summary>Every element, depth first in document order, root components in the order they were attached.</summary>
    public IEnumerable<RenderedNode> Elements()
    {
        foreach (var (id, _) in _roots)
            foreach (var e in Walk(Root(id)))
                yield return e;
    }

    private IEnumerable<RenderedNode> Walk(RenderedNode node)
    {
        foreach (var child in node.Children)
        {
            if (child.Kind == NodeKind.Component)
            {
                if (_components.TryGetValue(child.ComponentId, out var root))
                    foreach (var e in Walk(root)) yield return e;
            }
            else if (child.Kind == NodeKind.Element)
            {
                yield return child;
                foreach (var e in Walk(child)) yield return e;
            }
            else if (child.Kind == NodeKind.Markup)
            {
                // A MarkupString's elements are DOM elements in the browser too (without handlers: it has none).
                foreach (var element in ParseMarkup(child.Content, child.ComponentId))
                {
                    yield return element;
                    foreach (var e in Walk(element)) yield return e;
                }
            }
        }
    }

    /// <summary>
    /// The elements of a markup frame, as the browser's innerHTML would make them: tags, attributes (entities decoded),
    /// void elements, text. Enough for the well-formed markup a component renders; not a general HTML parser.
    /// </summary>
    public static IReadOnlyList<RenderedNode> ParseMarkup(string? markup, int componentId = 0)
    {
        var top = new RenderedNode(NodeKind.ComponentRoot);
        if (string.IsNullOrEmpty(markup)) return top.Children;
        var open = new Stack<RenderedNode>();
        open.Push(top);
        var at = 0;
        foreach (Match tag in MarkupTag.Matches(markup))
        {
            if (tag.Index > at) open.Peek().Children.Add(new RenderedNode(NodeKind.Text) { Content = WebUtility.HtmlDecode(markup[at..tag.Index]) });
            at = tag.Index + tag.Length;
            if (!tag.Groups["name"].Success) continue; // a comment
            var name = tag.Groups["name"].Value.ToLowerInvariant();
            if (tag.Groups["close"].Success)
            {
                // Close the nearest open element of that name (and anything left open inside it).
                if (open.Any(n => n.Name == name)) while (open.Pop().Name != name) { }
                continue;
            }
            var element = new RenderedNode(NodeKind.Element) { Name = name, ComponentId = componentId };
            foreach (Match attribute in MarkupAttribute.Matches(tag.Groups["attributes"].Value))
                element.Attributes[attribute.Groups["name"].Value] = WebUtility.HtmlDecode(attribute.Groups["value"].Success ? attribute.Groups["value"].Value : "");
            open.Peek().Children.Add(element);
            if (!tag.Groups["self"].Success && !VoidElements.Contains(name)) open.Push(element);
        }
        if (at < markup.Length) open.Peek().Children.Add(new RenderedNode(NodeKind.Text) { Content = WebUtility.HtmlDecode(markup[at..]) });
        return top.Children;
    }

    private static readonly Regex MarkupTag = new(@"<(?<close>/)?(?<name>[a-zA-Z][a-zA-Z0-9-]*)(?<attributes>(?:[^>""']|""[^""]*""|'[^']*')*?)(?<self>/)?>|<!--.*?-->", RegexOptions.Compiled | RegexOptions.Singleline);
    private static readonly Regex MarkupAttribute = new(@"(?<name>[^\s=/""'>]+)(?:\s*=\s*(?:""(?<value>[^""]*)""|'(?<value>[^']*)'|(?<value>[^\s>]+)))?", RegexOptions.Compiled);
    private static readonly HashSet<string> VoidElements = ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"];

    /// <summary>The text an element shows: its text nodes and its markup without tags, entities decoded.</summary>
    public string TextOf(RenderedNode node)
    {
        var sb = new StringBuilder();
        AppendText(node, sb);
        return sb.ToString();
    }

    private void AppendText(RenderedNode node, StringBuilder sb)
    {
        foreach (var child in node.Children)
        {
            switch (child.Kind)
            {
                case NodeKind.Text: sb.Append(child.Content); break;
                case NodeKind.Markup: sb.Append(WebUtility.HtmlDecode(Tags().Replace(child.Content ?? "", ""))); break;
                case NodeKind.Element: AppendText(child, sb); break;
                case NodeKind.Component:
                    if (_components.TryGetValue(child.ComponentId, out var root)) AppendText(root, sb);
                    break;
            }
        }
    }

    private static Regex Tags() => TagPattern;
    private static readonly Regex TagPattern = new("<[^>]*>", RegexOptions.Compiled);
}
