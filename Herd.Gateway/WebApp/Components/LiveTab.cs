using Herd.Gateway.WebApp.Session;
using Herd.Gateway.WebApp.Tabs;
using Microsoft.AspNetCore.Components;

namespace Herd.Gateway.WebApp.Components;

/// <summary>
/// A tab's page that reads the herd again every <see cref="Period"/> while it is open, as the
/// Aspire dashboard's grids do. It reads only while the signed-in role may open the tab.
/// </summary>
public abstract class LiveTab : ComponentBase, IDisposable
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(2);

    private readonly CancellationTokenSource _closed = new();

    [Inject]
    protected WebAppSession Session { get; set; } = default!;

    /// <summary>The tab this page is.</summary>
    protected abstract AppTab Tab { get; }

    /// <summary>Why the last reading failed (the ledger or Redis out of reach); null when it worked.</summary>
    protected string? ReadError { get; private set; }

    /// <summary>Reads what the page shows; called on opening, every period, and after the page's own actions.</summary>
    protected abstract Task RefreshAsync(CancellationToken cancellationToken);

    protected override async Task OnInitializedAsync()
    {
        await ReadAsync();
        _ = KeepReadingAsync();
    }

    /// <summary>Reads again now, as after an action on the page.</summary>
    protected async Task ReadAsync()
    {
        if (Session.Caller?.Role.AllowsTab(Tab.Name) != true || _closed.IsCancellationRequested)
        {
            return;
        }

        try
        {
            await RefreshAsync(_closed.Token);
            ReadError = null;
        }
        catch (OperationCanceledException) when (_closed.IsCancellationRequested)
        {
            // The page was closed while it read.
        }
        catch (Exception exception) when (exception is InvalidOperationException or TimeoutException or System.Data.Common.DbException or StackExchange.Redis.RedisException)
        {
            ReadError = $"The herd could not be read just now: {exception.Message}";
        }
    }

    public void Dispose()
    {
        _closed.Cancel();
        _closed.Dispose();
        GC.SuppressFinalize(this);
    }

    private async Task KeepReadingAsync()
    {
        using var timer = new PeriodicTimer(Period);
        try
        {
            while (await timer.WaitForNextTickAsync(_closed.Token))
            {
                await InvokeAsync(async () =>
                {
                    await ReadAsync();
                    StateHasChanged();
                });
            }
        }
        catch (OperationCanceledException)
        {
            // The page was closed.
        }
        catch (ObjectDisposedException)
        {
            // The page was closed between two ticks.
        }
    }
}
