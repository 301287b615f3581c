using System.Threading.Channels;
using Herd.Contracts.V1;
using Herd.Node.Experts;
using Herd.Node.Serving;

namespace Herd.Node.Link;

/// <summary>The node's own engine as the links see it: the models <see cref="ModelHost"/> holds, run by <see cref="JobRunner"/>.</summary>
public sealed class LocalBackend(ModelHost host, JobRunner runner) : INodeBackend
{
    public event Action? AnnouncementChanged
    {
        add => host.AnnouncementChanged += value;
        remove => host.AnnouncementChanged -= value;
    }

    public bool IsReady => host.IsLoaded;

    public int Slots => host.Slots;

    public string Device
    {
        get
        {
            var device = host.Model.Device.Device;
            return device.type == TorchSharp.DeviceType.CPU ? "cpu" : $"cuda:{Math.Max(0, (int)device.index)}";
        }
    }

    public LoadingModel? Loading => host.Loading;

    public IReadOnlyList<string> ModelNames => [.. host.Models.Select(model => model.Name)];

    public IReadOnlyList<string> Catalog => host.Catalog;

    public IReadOnlyList<Contracts.V1.ServedModel> Announcement() => ModelAnnouncement.Of(host);

    public Task ChangeModelsAsync(ModelCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        return command.ChangeCase switch
        {
            ModelCommand.ChangeOneofCase.Load => host.LoadAsync(command.Load, cancellationToken),
            ModelCommand.ChangeOneofCase.Unload => host.UnloadAsync(command.Unload, cancellationToken),
            ModelCommand.ChangeOneofCase.Switch => host.SwitchAsync(command.Switch.From, command.Switch.To, cancellationToken),
            _ => throw new ModelChangeException(ModelChangeProblem.NotFound, "The command names no change."),
        };
    }

    public async Task UpdateExpertsAsync(HerdExperts experts)
    {
        ArgumentNullException.ThrowIfNull(experts);
        if (host.Find(experts.Model) is not { } model)
        {
            return;
        }

        var definitions = experts.Experts.Select(expert => new ExpertDefinition
        {
            Name = expert.Name,
            Adapter = expert.Adapter,
            Samples = [.. expert.Samples],
            Centroid = expert.Centroid.Count == 0 ? null : [.. expert.Centroid],
            CentroidEmbedding = expert.CentroidEmbedding is { Length: > 0 } embedding ? embedding : null,
        }).ToList();
        await model.UpdateHerdExpertsAsync(experts.Revision, definitions);
    }

    public Task RunAsync(Assign assign, ChannelWriter<NodeMessage> output, CancellationToken cancellationToken) =>
        runner.RunAsync(assign, output, cancellationToken);
}
