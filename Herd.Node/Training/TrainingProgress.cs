namespace Herd.Node.Training;

/// <summary>Where training is: after each step, the step's loss and the epoch's mean so far.</summary>
public sealed record TrainingProgress(int Epoch, int Epochs, int Step, int StepsPerEpoch, double Loss, double EpochMeanLoss);
