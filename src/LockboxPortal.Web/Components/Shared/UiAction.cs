using System.Runtime.ExceptionServices;
using LockboxPortal.Application.Common;
using MudBlazor;

namespace LockboxPortal.Web.Components.Shared;

/// <summary>
/// What every button that calls a service needs, in one place: one call at a time (a second click while one runs
/// does nothing), <see cref="Busy"/> to disable the buttons meanwhile, a success message, and the portal's known
/// refusals (<see cref="UserMessages.Refusal"/>) turned into words — in a snackbar, or kept in <see cref="Error"/>
/// for a component that shows them beside the action. Anything else is not the user's to fix and is not swallowed:
/// it propagates, so the page's <see cref="PageErrorBoundary"/> shows a friendly panel and logs it with an error id.
/// Registered transient: each component that injects it gets its own busy state.
/// </summary>
public sealed class UiAction(ISnackbar snackbar)
{
    /// <summary>True while a call runs; bind the buttons' Disabled to it.</summary>
    public bool Busy { get; private set; }

    /// <summary>The last call's refusal (one <see cref="UserMessages.Refusal"/> knows); null after a success or before any call.</summary>
    public Exception? Refused { get; private set; }

    /// <summary>The words for <see cref="Refused"/>.</summary>
    public string? Error => Refused is null ? null : UserMessages.Refusal(Refused);

    /// <summary>The last call's input errors by field (InputValidationException), for the fields' ErrorText.</summary>
    public IReadOnlyDictionary<string, string[]>? FieldErrors => (Refused as InputValidationException)?.Errors;

    /// <summary>When true, a refusal stays in <see cref="Error"/> for the component to show beside the action; otherwise it is also a snackbar.</summary>
    public bool ShowsErrorsInline { get; set; }

    /// <summary>Forgets the last refusal, e.g. when the form it was about is opened afresh.</summary>
    public void Clear() => Refused = null;

    private Action<ExceptionDispatchInfo>? _unexpected;

    /// <summary>
    /// A dialog renders in the layout's dialog provider, outside the page's error boundary, where an exception would
    /// end the circuit. So in a dialog an unexpected exception closes it and travels in its result to the page that
    /// opened it; <see cref="DialogOutcome.ResultAsync{T}"/> rethrows it there, inside the boundary.
    /// </summary>
    public void HandUnexpectedFailuresTo(IMudDialogInstance dialog) =>
        _unexpected = failure => dialog.Close(DialogResult.Ok(new DialogOutcome.Failure(failure)));

    /// <summary>Runs <paramref name="call"/> unless one is running; true when it succeeded.</summary>
    public async Task<bool> RunAsync(Func<Task> call, string? success = null) =>
        await RunAsync(async () => { await call(); return Done; }, success is null ? null : _ => success) is not null;

    /// <summary>Runs <paramref name="call"/> unless one is running; its result, or null when it was refused or not run.</summary>
    public async Task<T?> RunAsync<T>(Func<Task<T>> call, Func<T, string>? success = null) where T : class
    {
        if (Busy) return null;
        Busy = true;
        Clear();
        try
        {
            var result = await call();
            if (success is not null) snackbar.Add(success(result), Severity.Success);
            return result;
        }
        catch (Exception ex) when (UserMessages.Refusal(ex) is { } message)
        {
            Refused = ex;
            if (!ShowsErrorsInline) snackbar.Add(message, Severity.Warning);
            return null;
        }
        catch (Exception ex) when (_unexpected is not null)
        {
            _unexpected(ExceptionDispatchInfo.Capture(ex));
            return null;
        }
        finally
        {
            Busy = false;
        }
    }

    private static readonly object Done = new();
}

/// <summary>How a dialog that runs an action reports back to the page that opened it.</summary>
public static class DialogOutcome
{
    /// <summary>An unexpected exception the dialog could not throw where it renders (see <see cref="UiAction.HandUnexpectedFailuresTo"/>).</summary>
    public sealed record Failure(ExceptionDispatchInfo Error);

    /// <summary>The dialog's result; null when it was cancelled. An unexpected failure in the dialog is rethrown here, in the opener.</summary>
    public static async Task<T?> ResultAsync<T>(this IDialogReference dialog) where T : class
    {
        var result = await dialog.Result;
        if (result?.Data is Failure failure) failure.Error.Throw();
        return result is { Canceled: false, Data: T data } ? data : null;
    }
}
