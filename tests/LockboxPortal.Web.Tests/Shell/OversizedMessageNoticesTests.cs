using LockboxPortal.Web.Security;

namespace LockboxPortal.Web.Tests.Shell;

/// <summary>
/// A browser can reconnect its circuit before the server has finished closing the connection that carried an oversized
/// message: the reconnected circuit waits for that session's notice instead of missing it.
/// </summary>
public sealed class OversizedMessageNoticesTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_notice_added_after_the_reconnect_is_delivered_once_to_the_waiting_circuit_and_taken()
    {
        var notices = new OversizedMessageNotices();
        var delivered = 0;
        using var waiting = notices.WhenAdded("session-a", () =>
        {
            if (notices.TryTake("session-a")) delivered++;
        });

        notices.Add("session-a", At);
        notices.Add("session-a", At.AddSeconds(1));

        Assert.Equal(1, delivered);
        // The second notice found no waiting circuit: it stays for the session's next connection.
        Assert.True(notices.TryTake("session-a"));
    }

    [Fact]
    public void A_notice_of_another_session_or_after_the_wait_ended_is_not_delivered()
    {
        var notices = new OversizedMessageNotices();
        var delivered = 0;
        var waiting = notices.WhenAdded("session-a", () => delivered++);

        notices.Add("session-b", At);
        Assert.Equal(0, delivered);

        waiting.Dispose();
        notices.Add("session-a", At);
        Assert.Equal(0, delivered);
        Assert.True(notices.TryTake("session-a"));
        Assert.True(notices.TryTake("session-b"));
    }
}
