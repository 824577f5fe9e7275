import { useEffect, useState } from 'react';
import type { ConversationSummary } from '@/types/models';

export interface ConversationListProps {
  conversations: ConversationSummary[];
  selectedId?: string;
  onOpen: (conversation: ConversationSummary) => void;
}

export function ConversationList({ conversations, selectedId, onOpen }: ConversationListProps) {
  const [filter, setFilter] = useState('');
  const [visible, setVisible] = useState<ConversationSummary[]>(conversations);

  useEffect(() => {
    const needle = filter.trim().toLowerCase();
    setVisible(
      needle === ''
        ? conversations
        : conversations.filter((conversation) => conversation.title.toLowerCase().includes(needle)),
    );
  }, [conversations, filter]);

  return (
    <section className="conversation-list">
      <input placeholder="Filter" value={filter} onChange={(e) => setFilter(e.target.value)} />
      <ul>
        {visible.map((conversation) => (
          <li
            key={conversation.id}
            className={conversation.id === selectedId ? 'selected' : undefined}
            onClick={() => onOpen(conversation)}
          >
            <strong>{conversation.title}</strong>
            <small>
              {conversation.message_count} messages · {new Date(conversation.updated_at).toLocaleString()}
            </small>
          </li>
        ))}
      </ul>
    </section>
  );
}
