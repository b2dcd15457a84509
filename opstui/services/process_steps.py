"""The twelve-step operational process and the board stages that group its steps."""

from dataclasses import dataclass

STAGES = ("request", "discovery", "sandbox", "production", "monitoring", "done")

STAGE_TITLES = {
    "request": "Request",
    "discovery": "Discovery",
    "sandbox": "Sandbox",
    "production": "Production",
    "monitoring": "Monitoring",
    "done": "Done",
}


@dataclass(frozen=True)
class ProcessStep:
    number: int
    title: str
    who: str
    stage: str
    guidance: str


STEPS = (
    ProcessStep(1, "Request received", "manager", "request",
                "Record the request: source, requester, external reference and date received."),
    ProcessStep(2, "Master task created", "manager", "request",
                "Describe the change and split it into subtasks, each with an assignee, priority and due date."),
    ProcessStep(3, "Assignment notified", "application", "request",
                "Every assignee is told in opstui and by e-mail when SMTP is configured."),
    ProcessStep(4, "Discovery notes", "sysadmins", "discovery",
                "Share research notes on the master task; several people can edit them at once."),
    ProcessStep(5, "Sandbox trial, draft instructions", "sysadmins", "sandbox",
                "Try the work in a test environment and record every step and affected component in a draft."),
    ProcessStep(6, "Official instructions", "sysadmins, manager", "sandbox",
                "Publish the tested draft as the official, read-only instructions in the knowledge base."),
    ProcessStep(7, "Activity task", "sysadmins", "production",
                "Create the activity task for the production work; log time, comments and summaries on it."),
    ProcessStep(8, "Notes retired", "sysadmins", "production",
                "Once everything is in the knowledge base, retire the discovery notes."),
    ProcessStep(9, "Monitoring documentation", "sysadmins", "monitoring",
                "Push what to watch, the failure criteria and the action on failure to Zabbix."),
    ProcessStep(10, "Monitoring scripts", "sysadmins", "monitoring",
                "Create or update the Zabbix scripts that watch for and handle those failures."),
    ProcessStep(11, "Master task completed", "manager", "done",
                "Finish the last documentation and diagrams, then close the master task."),
    ProcessStep(12, "Activity task completed", "sysadmins", "done",
                "Make the time log and work summary final, then close the activity task."),
)

STEP_BY_NUMBER = {step.number: step for step in STEPS}


def steps_of_stage(stage: str) -> list[ProcessStep]:
    return [step for step in STEPS if step.stage == stage]


def stage_index(stage: str) -> int:
    return STAGES.index(stage)
