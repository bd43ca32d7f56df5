window-title = Digital access point
home-title = Hello
home-subtitle = What would you like to do?
language-fr = Français
language-en = English
large-text = Larger text
high-contrast = High contrast
volunteer = Volunteer help
assisted-badge = Assisted session
bar-home = Home
bar-back = Back
bar-help = Help
bar-end = Finish and erase my data
bar-close-window = Close this page
end-title = Finish?
end-text = Everything you did on this computer will be erased: pages, logins, documents.
end-yes = Yes, finish and erase
end-no = No, keep going
idle-title = Are you still there?
idle-text = If you do nothing, everything will be erased in { $seconds } seconds.
idle-continue = Yes, I'm still here
blocked-title = This site is not available on this computer
blocked-text = For your safety, this computer only opens the sites of the procedures on the home screen.
blocked-back = Go back to the previous page
help-title = Help
help-close = Close
help-last-blocked = Last blocked page: { $reason }
download-refused = This type of file cannot be saved on this computer.
download-done = Document saved. It will be erased at the end of the session.
upload-refused = Sending files is not possible on this computer yet. Ask at the front desk for help.
pin-title = Volunteer help
pin-text = Volunteer code
pin-ok = Confirm
pin-cancel = Cancel
pin-wrong = Wrong code. Nothing has changed.
pin-off = Volunteer help is not set up on this computer.
wiping = Erasing…
not-ready = This computer is not ready yet. Please tell the front desk.
bar-print = Print
bar-printing = Printing…
print-title = Printing
print-close = Back to my procedure
print-preparing = Preparing the document…
print-sending = Sending to the printer…
print-printing = Printing…
print-page-of = Printing page { $done } of { $pages }…
print-done = { $pages ->
    [one] Printed (1 page). Take your document from the printer.
   *[other] Printed ({ $pages } pages). Take your document from the printer.
}
print-too-many = This document has { $pages } pages: more than this station can print.
print-left = { $left ->
    [0] You cannot print any more in this session. Ask at the desk if you need more.
    [one] You can still print 1 page in this session. Ask at the desk if you need more.
   *[other] You can still print { $left } pages in this session. Ask at the desk if you need more.
}
print-cannot = This document cannot be printed here. Ask at the desk for help.
print-stuck = The printing stopped moving: it was cancelled. Ask at the desk for help.
print-cancelled = The printing was cancelled.
print-aborted = The printer could not print the document. Ask at the desk for help.
print-failed = The printer does not answer. Ask at the desk for help.
problem-no-paper = The printer is out of paper. Ask at the desk to add some: printing will go on by itself.
problem-paper-jam = Paper is stuck in the printer. Do not open the printer yourself: tell the desk.
problem-toner-empty = The printer is out of ink. Tell the desk.
problem-toner-low = The ink is almost out: the print may be faint.
problem-offline = The printer is off or unplugged. Tell the desk.
problem-door-open = A door of the printer is open. Close it gently, or tell the desk.
problem-other = The printer has a problem. Tell the desk.
print-waiting = The printing is waiting.
