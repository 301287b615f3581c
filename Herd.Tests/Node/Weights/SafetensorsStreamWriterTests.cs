using Herd.Node.Weights;
using TorchSharp;

namespace Herd.Tests.Node.Weights;

public sealed class SafetensorsStreamWriterTests : IDisposable
{
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public void Write_TensorsInAnyOrder_GivesTheSameFileAsWritingThemAllAtOnce()
    {
        var tensors = new Dictionary<string, torch.Tensor>
        {
            ["b"] = torch.arange(6, dtype: torch.ScalarType.Float32).reshape(2, 3),
            ["a"] = torch.arange(4, dtype: torch.ScalarType.Float32).to(torch.ScalarType.BFloat16),
            ["ids"] = torch.arange(3, dtype: torch.ScalarType.Int64),
        };
        var (whole, streamed) = (_scratch.File("whole.safetensors"), _scratch.File("streamed.safetensors"));
        SafetensorsWriter.Write(whole, tensors, new Dictionary<string, string> { ["format"] = "pt" });

        using (var writer = SafetensorsStreamWriter.Create(streamed, tensors.Select(Entry), new Dictionary<string, string> { ["format"] = "pt" }))
        {
            foreach (var name in new[] { "a", "ids", "b" })
            {
                writer.Write(name, tensors[name]);
            }

            writer.Complete();
        }

        Assert.Equal(File.ReadAllBytes(whole), File.ReadAllBytes(streamed));
    }

    [Fact]
    public void Complete_WithATensorNeverWritten_SaysWhichIsMissing()
    {
        using var writer = SafetensorsStreamWriter.Create(_scratch.File("holes.safetensors"),
            [new("written", SafetensorsDType.F32, [2]), new("forgotten", SafetensorsDType.F32, [2])]);
        writer.Write("written", torch.ones(2));

        var error = Assert.Throws<InvalidOperationException>(writer.Complete);

        Assert.Contains("forgotten", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_ATensorOfAnotherShapeOrDType_IsRefused()
    {
        using var writer = SafetensorsStreamWriter.Create(_scratch.File("shape.safetensors"), [new("w", SafetensorsDType.BF16, [2, 2])]);

        var wrongShape = Assert.Throws<ArgumentException>(() => writer.Write("w", torch.ones(4, dtype: torch.ScalarType.BFloat16)));
        var wrongDType = Assert.Throws<ArgumentException>(() => writer.Write("w", torch.ones(2, 2)));

        Assert.Contains("laid out for BF16 [2, 2]", wrongShape.Message, StringComparison.Ordinal);
        Assert.Contains("laid out for BF16 [2, 2]", wrongDType.Message, StringComparison.Ordinal);
    }

    private static SafetensorsEntry Entry(KeyValuePair<string, torch.Tensor> pair) =>
        new(pair.Key, SafetensorsDTypeExtensions.FromScalarType(pair.Value.dtype)!.Value, pair.Value.shape);
}
