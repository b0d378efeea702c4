using LockboxPortal.CircuitLoad;

namespace LockboxPortal.CircuitLoad.Tests;

/// <summary>The client reads a markup frame's elements as the browser's innerHTML would make them.</summary>
public sealed class MarkupParsingTests
{
    private static IEnumerable<RenderedNode> All(IEnumerable<RenderedNode> nodes) => nodes.SelectMany(n => All(n.Children).Prepend(n));

    [Fact]
    public void Elements_attributes_entities_and_void_elements_are_read_in_document_order()
    {
        var nodes = RenderedDom.ParseMarkup("""<td class="a b"><a href="/x?y=1&amp;z=2" data-id='7'>T&lt;1&gt;</a></td><td>Mia<br /><span class=c>Microsoft</span><br></td><!-- note -->tail""");

        var elements = All(nodes).Where(n => n.Kind == NodeKind.Element).ToList();
        Assert.Equal(["td", "a", "td", "br", "span", "br"], elements.Select(e => e.Name));
        Assert.Equal("/x?y=1&z=2", elements[1]["href"]);
        Assert.Equal("7", elements[1]["data-id"]);
        Assert.Equal("c", elements[4]["class"]);
        Assert.Equal("T<1>", elements[1].Children.Single().Content);
        Assert.Equal(3, elements[2].Children.Count(c => c.Kind == NodeKind.Element)); // br, span, br: void elements hold nothing
        Assert.Equal("tail", nodes[^1].Content);
    }

    [Fact]
    public void A_stray_closing_tag_and_an_element_left_open_do_not_throw()
    {
        var nodes = RenderedDom.ParseMarkup("</p><div><span>open");
        var div = Assert.Single(nodes, n => n.Kind == NodeKind.Element);
        Assert.Equal("div", div.Name);
        Assert.Equal("open", div.Children.Single().Children.Single().Content);
        Assert.Empty(RenderedDom.ParseMarkup(null));
        Assert.Empty(RenderedDom.ParseMarkup(""));
    }
}
