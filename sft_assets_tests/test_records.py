from sft_assets.core.records import content_hash, example_id_for, normalized_content_hash

CHAT = [{"role": "user", "content": "Hi there"}, {"role": "assistant", "content": "Hello!"}]


def test_example_id_is_the_hash_of_the_canonical_body() -> None:
    assert example_id_for(CHAT) == content_hash({"messages": CHAT})
    tools = [{"type": "function", "function": {"name": "f"}}]
    assert example_id_for(CHAT, tools) == content_hash({"messages": CHAT, "tools": tools})
    assert example_id_for(CHAT) != example_id_for(CHAT, tools)


def test_example_id_ignores_key_order() -> None:
    reordered = [{"content": m["content"], "role": m["role"]} for m in CHAT]
    assert example_id_for(reordered) == example_id_for(CHAT)


def test_normalized_hash_folds_case_whitespace_and_width() -> None:
    variant = [{"role": "user", "content": "  hi\tTHERE "}, {"role": "assistant", "content": "Ｈｅｌｌｏ！"}]
    assert normalized_content_hash(variant) == normalized_content_hash(CHAT)


def test_normalized_hash_keeps_roles_and_words_apart() -> None:
    swapped = [{"role": "assistant", "content": "Hi there"}, {"role": "user", "content": "Hello!"}]
    other = [{"role": "user", "content": "Hi there"}, {"role": "assistant", "content": "Goodbye!"}]
    assert normalized_content_hash(swapped) != normalized_content_hash(CHAT)
    assert normalized_content_hash(other) != normalized_content_hash(CHAT)
