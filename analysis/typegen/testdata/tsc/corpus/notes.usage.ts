// Calls every generated function and hook of the corpus app notes, in
// both Pydantic modes (compiled by TestTypeScriptCompiles with tsc --strict).
import type { NotePage, NoteStatus, Session, User, src__models__note__Note, src__schemas__note__Note } from './types/models';
import * as api from './services/api';
import * as hooks from './hooks/api';

export async function callAll(tenant: string): Promise<unknown[]> {
  api.setBaseUrl(api.getBaseUrl());
  api.setRequestInterceptor((_url, init) => {
    init.headers.set('Authorization', 'Basic dTpw');
  });
  const t = { 'x-tenant-id': tenant };
  // Parameters declared by dependencies (NoteFilters, pagination, tenant).
  const page: NotePage = await api.listNotes({ ...t, q: 'milk', tag: ['todo'], skip: 0, limit: 20 });
  // body and tags have defaults and may be left out.
  const created: src__schemas__note__Note = await api.createNote(t, { title: 'Groceries' });
  const doc: src__models__note__Note = await api.readNote({ ...t, note_id: created.id });
  const published: NoteStatus = 'published';
  const session: Session = await api.basicLogin();
  const user: User = await api.register({ username: 'u', email: 'u@example.com', newsletter: true });
  return [
    page.items.map((n) => n.status),
    (await api.recentNotes({ ...t, limit: 5 })).length,
    doc.tags,
    await api.updateNote({ ...t, note_id: created.id }, { status: published }),
    await api.addTag({ ...t, note_id: created.id }, { tag: 'shopping' }),
    await api.deleteNote({ ...t, note_id: created.id }),
    session.token,
    (await api.tokenLogin({ username: 'u', password: 'p' })).user,
    (await api.check({ username: 'u', password: 'p' })).username,
    user.disabled,
    // An upload takes a Blob (a File from an <input type="file">).
    (await api.uploadAvatar({ file: new File(['png'], 'avatar.png'), caption: 'me' })).size,
  ];
}

export function useAll(id: string, tenant: string) {
  const t = { 'x-tenant-id': tenant };
  return [
    hooks.useListNotes({ ...t }).data?.total,
    hooks.useCreateNoteMutation().mutate({ params: t, body: { title: 'a', body: 'b', tags: ['c'] } }),
    hooks.useRecentNotes(t).data?.[0]?.title,
    hooks.useReadNote({ ...t, note_id: id }).data?.created_at,
    hooks.useUpdateNoteMutation().mutate({ params: { ...t, note_id: id }, body: { title: 'renamed' } }),
    hooks.useDeleteNoteMutation().mutate({ params: { ...t, note_id: id } }),
    hooks.useAddTagMutation().mutate({ params: { ...t, note_id: id }, body: { tag: 'x' } }),
    hooks.useBasicLoginMutation().mutate(),
    hooks.useTokenLoginMutation().mutate({ body: { username: 'u', password: 'p', scope: '' } }),
    hooks.useCheckMutation().mutate({ body: { username: 'u', password: 'p', remember: true } }),
    hooks.useRegisterMutation().mutate({ body: { username: 'v', email: 'v@example.com' } }),
    hooks.useUploadAvatarMutation().mutate({ body: { file: new Blob(['png']) } }),
  ];
}
