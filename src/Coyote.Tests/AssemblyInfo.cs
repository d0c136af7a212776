// One exploration at a time: Coyote's deadlock detection is time-based, and parallel explorations on a
// 2-core CI machine would starve each other into false "potential deadlock" reports.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
