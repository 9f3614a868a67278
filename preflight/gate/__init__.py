"""The destructive-change gate: plans in, allow / deny / needs N signed approvals out.

plan (read both Pulumi plan formats) -> rules (what is destructive, what holds state) ->
verdict (blast radius, mass creates, approvals) ; approvals + sshsig (OpenSSH signatures).
"""
