using System.Linq.Expressions;

namespace LockboxPortal.Domain.Lockbox;

/// <summary>Combining the lifecycle's rule expressions so EF Core can still translate the result.</summary>
internal static class Expressions
{
    public static Expression<Func<T, TArg, bool>> And<T, TArg>(Expression<Func<T, TArg, bool>> a, Expression<Func<T, TArg, bool>> b) =>
        Combine(a, b, Expression.AndAlso);

    public static Expression<Func<T, TArg, bool>> Or<T, TArg>(Expression<Func<T, TArg, bool>> a, Expression<Func<T, TArg, bool>> b) =>
        Combine(a, b, Expression.OrElse);

    /// <summary>
    /// Fixes the second argument. It is read from a captured object rather than inlined as a constant, so EF Core
    /// sends it as a query parameter and reuses one cached plan for every moment.
    /// </summary>
    public static Expression<Func<T, bool>> Bind<T, TArg>(Expression<Func<T, TArg, bool>> rule, TArg value)
    {
        var captured = Expression.Property(Expression.Constant(new Captured<TArg>(value)), nameof(Captured<TArg>.Value));
        return Expression.Lambda<Func<T, bool>>(new Replace(rule.Parameters[1], captured).Visit(rule.Body), rule.Parameters[0]);
    }

    private static Expression<Func<T, TArg, bool>> Combine<T, TArg>(Expression<Func<T, TArg, bool>> a, Expression<Func<T, TArg, bool>> b,
        Func<Expression, Expression, BinaryExpression> join)
    {
        var body = new Replace(b.Parameters[0], a.Parameters[0]).Visit(new Replace(b.Parameters[1], a.Parameters[1]).Visit(b.Body));
        return Expression.Lambda<Func<T, TArg, bool>>(join(a.Body, body), a.Parameters);
    }

    private sealed class Captured<TArg>(TArg value)
    {
        public TArg Value { get; } = value;
    }

    private sealed class Replace(ParameterExpression from, Expression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : base.VisitParameter(node);
    }
}
