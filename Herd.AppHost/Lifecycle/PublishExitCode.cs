using Aspire.Hosting.Publishing;
using Microsoft.Extensions.Hosting;

namespace Herd.AppHost.Lifecycle;

/// <summary>
/// Published, the app host exits with 1 when the pipeline failed. Aspire logs the failure and
/// stops the app host, but leaves the exit code at 0, which a script or CI job would take for
/// success. Program.cs returns <see cref="Environment.ExitCode"/>.
/// </summary>
internal sealed class PublishExitCode : IHostedLifecycleService
{
    private bool _started;
    private bool _finished;

    public static void Track(IDistributedApplicationBuilder builder)
    {
        builder.Services.AddSingleton<PublishExitCode>();
        builder.Services.AddHostedService(services => services.GetRequiredService<PublishExitCode>());
        builder.Eventing.Subscribe<BeforePublishEvent>((published, _) =>
        {
            published.Services.GetRequiredService<PublishExitCode>()._started = true;
            return Task.CompletedTask;
        });
        builder.Eventing.Subscribe<AfterPublishEvent>((published, _) =>
        {
            published.Services.GetRequiredService<PublishExitCode>()._finished = true;
            return Task.CompletedTask;
        });
    }

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        // Not started: nothing was published (--list-steps), so nothing failed.
        if (_started && !_finished)
        {
            Environment.ExitCode = 1;
        }

        return Task.CompletedTask;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
