"""A benchmark client's worker processes: a share of the connections each, driven over pipes."""

import multiprocessing
import resource
import time


class WorkerProcesses:
    """`count` connections spread over `processes` spawned workers, each running `target`.

    `target(pipe, share, *args)` runs in every worker with its share of the count;
    `ask` sends each worker a command and collects one answer from each.
    """

    def __init__(self, target, count: int, processes: int, *args):
        shares = [count // processes + (i < count % processes) for i in range(processes)]
        context = multiprocessing.get_context("spawn")
        self._pipes, self._workers = [], []
        for share in shares:
            parent, child = context.Pipe()
            worker = context.Process(target=target, args=(child, share, *args), daemon=True)
            worker.start()
            self._pipes.append(parent)
            self._workers.append(worker)

    def send(self, command) -> None:
        for pipe in self._pipes:
            pipe.send(command)

    def ask(self, command, timeout: float) -> list:
        """Each worker's answer to `command` (None: to what was sent before)."""
        if command is not None:
            self.send(command)
        answers = []
        deadline = time.monotonic() + timeout
        for pipe in self._pipes:
            if not pipe.poll(max(0.0, deadline - time.monotonic())):
                raise TimeoutError("a worker process did not answer")
            answers.append(pipe.recv())
        return answers

    def close(self, wait: float) -> None:
        """Ask the workers to stop; terminate those still running after `wait` seconds."""
        for pipe in self._pipes:
            try:
                pipe.send(("stop",))
            except OSError:
                pass
        for worker in self._workers:
            worker.join(wait)
            if worker.is_alive():
                worker.terminate()
                worker.join()


def cpu_seconds() -> float:
    """User + system CPU time of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
