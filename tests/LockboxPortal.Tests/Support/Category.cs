namespace LockboxPortal.Tests.Support;

/// <summary>
/// Test traits. The slow suites (the SIGKILL faults, the abuse corpus, the load test) carry
/// <c>[Trait(Category.Name, Category.Slow)]</c> so that <c>./test.sh</c> runs them as their own step after the
/// quick ones (<c>--filter Category!=Slow</c>, then <c>Category=Slow</c>); a plain <c>dotnet test</c> still runs all.
/// </summary>
public static class Category
{
    public const string Name = "Category";
    public const string Slow = "Slow";
}
