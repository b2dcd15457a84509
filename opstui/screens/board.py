"""The kanban board: master tasks in columns by process stage, driven by keys."""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input

from opstui.app import EventsArrived
from opstui.screens.board_cache import BoardCache, board_cache, cards_by_stage
from opstui.screens.service_calls import ServiceCalls
from opstui.services import tasks, users
from opstui.services.process_steps import STAGE_TITLES, STAGES
from opstui.widgets.card import Card
from opstui.widgets.kanban_board import KanbanBoard
from opstui.widgets.key_bar import KeyBar
from opstui.widgets.top_bar import TopBar


class BoardScreen(ServiceCalls, Screen):
    BINDINGS = [
        Binding("left,h", "cursor_column(-1)", "Previous stage", show=False, id="board.left"),
        Binding("right,l", "cursor_column(1)", "Next stage", show=False, id="board.right"),
        Binding("up,k", "cursor_row(-1)", "Previous card", show=False, id="board.up"),
        Binding("down,j", "cursor_row(1)", "Next card", show=False, id="board.down"),
        Binding("home,g", "jump(False)", "First card", show=False, id="board.first"),
        Binding("end,G", "jump(True)", "Last card", show=False, id="board.last"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="board.pageup"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="board.pagedown"),
        Binding("enter", "open_task", "Open", id="board.open"),
        Binding("n", "new_request", "New request", id="board.new"),
        Binding("a", "assign", "Assign", id="board.assign"),
        Binding("shift+left,H", "move_card(-1)", "Move left", key_display="H", id="board.move-left"),
        Binding("shift+right,L", "move_card(1)", "Move right", key_display="L", id="board.move-right"),
        Binding("slash", "filter", "Filter", key_display="/", id="board.filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="board.clear-filter"),
    ]

    DEFAULT_CSS = """
    BoardScreen #filter { dock: bottom; display: none; }
    BoardScreen #filter.-shown { display: block; }
    """

    def __init__(self):
        super().__init__()
        self.text_filter = ""
        self.shown_generation = -1

    def compose(self) -> ComposeResult:
        yield TopBar("Board")
        yield KanbanBoard(id="board")
        yield Input(placeholder="Filter: words of the title, @login, or mine (enter applies, escape clears)",
                    id="filter")
        yield KeyBar()

    @property
    def board(self) -> KanbanBoard:
        return self.query_one(KanbanBoard)

    def on_mount(self) -> None:
        self._drawn_widgets = list(self.walk_children(with_self=True))
        self.cache.ensure_current()
        self.show_board_cache()
        self.board.focus()
        # Textual hides the toast rack again after the first frame; hiding it here
        # makes that a no-op instead of one more layout and full frame.
        for rack in self.query("ToastRack"):
            rack.display = False

    def on_unmount(self) -> None:
        # Textual 8.2's StylesCache.get_inner_outer is an lru_cache on a method, so it
        # keeps the last 1,024 widgets' line caches (strips and the strips derived from
        # them) alive after the widgets are gone. Empty them when the board closes.
        for widget in self._drawn_widgets:
            widget._styles_cache.clear()

    def on_screen_resume(self) -> None:
        # Events reach this screen while it is covered, so its cards are current
        # up to the last poll: poll now for changes made since, then show.
        self.app.poll_events()
        self.cache.ensure_current()
        if self.cache.generation != self.shown_generation:
            self.show_board_cache()

    # -- data --------------------------------------------------------------

    @property
    def cache(self) -> BoardCache:
        return board_cache(self.app)

    @property
    def cards(self) -> dict[int, Card]:
        return self.cache.cards

    def reload(self, task_ids: set[int] | None = None) -> None:
        """Read the cards again: all of them, or only ``task_ids`` after a change."""
        if task_ids is None:
            self.cache.load_all()
        else:
            self.cache.refresh(task_ids)
        self.show_board_cache()

    def show_board_cache(self) -> None:
        """Show the shared cards, through the filter."""
        self.shown_generation = self.cache.generation
        self._show_cards()

    def _show_cards(self) -> None:
        login = self.app.session.login
        cards = self.cache.cards.values()
        if self.text_filter:
            by_stage = cards_by_stage(cards, lambda card: card.matches(self.text_filter, login))
        else:
            by_stage = {stage: list(column) for stage, column in self.cache.stage_lists().items()}
        self.board.set_cards_by_stage(by_stage, self.cache.column_totals)
        location = "Board"
        if self.text_filter:
            shown = sum(len(column) for column in by_stage.values())
            location += f"  filter: {self.text_filter} ({shown} of {len(self.cache.cards)})"
        self.query_one(TopBar).set_location(location)

    def on_events_arrived(self, message: EventsArrived) -> None:
        self.cache.apply_events(message.events)
        if self.cache.generation != self.shown_generation:
            self.show_board_cache()

    # -- actions -------------------------------------------------------------

    def action_cursor_column(self, offset: int) -> None:
        self.board.move_column(offset)

    def action_cursor_row(self, offset: int) -> None:
        self.board.move_row(offset)

    def action_jump(self, last: bool) -> None:
        self.board.jump_row(last)

    def action_page(self, direction: int) -> None:
        self.board.page(direction)

    def action_open_task(self) -> None:
        card = self.board.current_card
        if card is None:
            self.app.notify("This column has no card to open.", severity="warning")
            return
        from opstui.screens.task import TaskScreen

        self.app.push_screen(TaskScreen(card.task_id))

    def action_new_request(self) -> None:
        from opstui.screens.task_form import TaskForm

        def submit(values: dict) -> int:
            return tasks.create_request(self.app.session, values["title"], source=values["source"],
                                        requester=values["requester"], external_ref=values["external_ref"],
                                        received_on=values["received_on"], description=values["description"],
                                        priority=values["priority"], due_on=values["due_on"])

        def created(task_id: int | None) -> None:
            if task_id:
                self.reload({task_id})
                self.board.focus_task(task_id)
                self.app.notify(f"Request recorded as task #{task_id} in Request.")

        self.app.push_screen(TaskForm("New request and master task", "request", submit), created)

    def action_assign(self) -> None:
        card = self.board.current_card
        if card is None:
            return
        from opstui.screens.assign_dialog import AssignDialog

        task = self.call_service(tasks.get_task, self.app.session, card.task_id)
        if task is None:
            return
        team = users.list_users(self.app.session)

        def chosen(logins: list[str] | None) -> None:
            if logins is not None:
                self.call_service(tasks.set_assignees, self.app.session, card.task_id, logins)
                self.reload({card.task_id})

        self.app.push_screen(AssignDialog(f"Assign #{card.task_id} {card.title}", team, task["assignees"]),
                             chosen)

    def action_move_card(self, offset: int) -> None:
        card = self.board.current_card
        if card is None:
            return
        index = STAGES.index(card.stage) + offset
        if not 0 <= index < len(STAGES):
            return
        from opstui.screens.card_moves import request_move

        def moved() -> None:
            self.reload({card.task_id})
            self.board.focus_task(card.task_id)

        request_move(self, card.task_id, STAGES[index], moved)

    def action_filter(self) -> None:
        field = self.query_one("#filter", Input)
        field.add_class("-shown")
        field.value = self.text_filter
        field.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self.text_filter = event.value.strip()
            if not self.text_filter:
                event.input.remove_class("-shown")
            self._show_cards()
            self.board.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.text_filter = event.value.strip()
            self._show_cards()

    def action_clear_filter(self) -> None:
        field = self.query_one("#filter", Input)
        field.value = ""
        field.remove_class("-shown")
        self.text_filter = ""
        self._show_cards()
        self.board.focus()

    def stage_title(self, stage: str) -> str:
        return STAGE_TITLES[stage]
